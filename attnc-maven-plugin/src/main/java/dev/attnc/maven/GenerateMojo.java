package dev.attnc.maven;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;
import org.apache.maven.toolchain.Toolchain;
import org.apache.maven.toolchain.ToolchainManager;

/**
 * Compiles every {@code .attn} file under {@code src/main/attn} to Java, one class per model and
 * backend, into {@code target/generated-sources/attnc}, and adds that folder to the project's
 * sources. A file whose classes are newer than it (with the same options) is skipped. Errors in a
 * model fail the build, each shown as {@code file:line:col: error: message} with its source line.
 *
 * <p>The compiler needs Java 21. When Maven itself runs on an older Java, the plugin runs the
 * compiler in a JVM from the JDK toolchain the build selected (maven-toolchains-plugin), or from
 * {@code jdkHome}.
 */
@Mojo(name = "generate", defaultPhase = LifecyclePhase.GENERATE_SOURCES, threadSafe = true)
public class GenerateMojo extends AbstractMojo {
    private static final int COMPILER_JAVA = 21;

    /** Where the {@code .attn} files are; every file below it, in any folder, is compiled. */
    @Parameter(property = "attnc.sourceDirectory", defaultValue = "${project.basedir}/src/main/attn")
    private File sourceDirectory;

    /** Where the generated Java goes (in folders for its package); added to the compile source roots. */
    @Parameter(property = "attnc.outputDirectory", defaultValue = "${project.build.directory}/generated-sources/attnc")
    private File outputDirectory;

    /** The package of the generated classes. */
    @Parameter(property = "attnc.packageName", defaultValue = "attnc.models")
    private String packageName;

    /**
     * The backends to generate for: {@code jvm} (class {@code <Model>}) and/or {@code tornadovm}
     * (class {@code <Model>Tornado}, which needs TornadoVM's API to compile).
     */
    @Parameter(property = "attnc.backends", defaultValue = "jvm")
    private List<String> backends;

    /** The largest value of run-time dims that declare no bound; the compiler's default (2048) if unset. */
    @Parameter(property = "attnc.maxSeq")
    private Long maxSeq;

    /** Skips the goal. */
    @Parameter(property = "attnc.skip", defaultValue = "false")
    private boolean skip;

    /** A JDK 21+ to run the compiler in when Maven runs on an older Java and the build selected no JDK toolchain. */
    @Parameter(property = "attnc.jdkHome")
    private File jdkHome;

    @Parameter(defaultValue = "${project.build.directory}/maven-status/attnc", readonly = true)
    private File statusDirectory;

    @Parameter(defaultValue = "${plugin.artifacts}", readonly = true, required = true)
    private List<Artifact> pluginArtifacts;

    @Parameter(defaultValue = "${plugin.version}", readonly = true)
    private String pluginVersion;

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    private MavenSession session;

    @Component
    private ToolchainManager toolchainManager;

    /** One file for one backend. */
    private record Job(Path source, String backend, String key) {
    }

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("attnc: skipped");
            return;
        }
        // The compiler's own check, before anything is deleted or written: the name becomes folders
        // under outputDirectory and text in every generated source.
        Optional<String> badPackage = AttncCli.packageProblem(getClass().getClassLoader(), packageName);
        if (badPackage.isPresent()) {
            throw new MojoExecutionException("attnc: packageName: " + badPackage.get());
        }
        project.addCompileSourceRoot(outputDirectory.getAbsolutePath());
        if (!sourceDirectory.isDirectory()) {
            getLog().info("attnc: no " + sourceDirectory + ", nothing to compile");
            return;
        }
        List<String> chosen = new ArrayList<>();
        for (String backend : backends) {
            String name = backend.trim().toLowerCase(Locale.ROOT);
            if (!name.equals("jvm") && !name.equals("tornadovm")) {
                throw new MojoExecutionException("unknown backend '" + backend + "': use jvm and/or tornadovm");
            }
            if (!chosen.contains(name)) {
                chosen.add(name);
            }
        }
        Path root = sourceDirectory.toPath().toAbsolutePath().normalize();
        Path output = outputDirectory.toPath().toAbsolutePath().normalize();
        List<Path> sources;
        try (Stream<Path> files = Files.walk(root)) {
            sources = files.filter(p -> p.toString().endsWith(".attn") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new MojoExecutionException("cannot list " + root + ": " + e.getMessage(), e);
        }
        if (sources.isEmpty()) {
            getLog().info("attnc: no .attn files under " + root);
            return;
        }

        Path statusFile = statusDirectory.toPath().resolve("outputs.properties");
        Properties status = load(statusFile);
        String fingerprint = String.join("|", packageName, String.valueOf(maxSeq), String.join(",", chosen), String.valueOf(pluginVersion));
        boolean sameOptions = fingerprint.equals(status.getProperty("#options"));
        List<Job> stale = new ArrayList<>();
        int upToDate = 0;
        for (Path source : sources) {
            for (String backend : chosen) {
                String key = root.relativize(source).toString().replace(File.separatorChar, '/') + "|" + backend;
                if (sameOptions && upToDate(source, output, status.getProperty(key))) {
                    upToDate++;
                } else {
                    stale.add(new Job(source, backend, key));
                }
            }
        }
        if (!sameOptions) {
            status.clear();
        }
        // Classes of .attn files that are gone (or of backends no longer chosen) go too.
        for (String key : List.copyOf(status.stringPropertyNames())) {
            if (key.startsWith("#")) {
                continue;
            }
            int bar = key.lastIndexOf('|');
            boolean known = bar > 0 && chosen.contains(key.substring(bar + 1)) && Files.isRegularFile(root.resolve(key.substring(0, bar)));
            if (!known) {
                delete(outputs(output, status.getProperty(key)));
                status.remove(key);
            }
        }
        if (stale.isEmpty()) {
            save(statusFile, status);
            getLog().info("attnc: " + sources.size() + " file" + (sources.size() == 1 ? "" : "s") + " up to date in " + output);
            return;
        }
        for (Job job : stale) {
            delete(outputs(output, status.getProperty(job.key())));
            status.remove(job.key());
        }

        List<String[]> commands = new ArrayList<>();
        for (Job job : stale) {
            List<String> args = new ArrayList<>(List.of("compile", job.source().toString(), "-o", output.toString(),
                    "--package", packageName, "--backend", job.backend()));
            if (maxSeq != null) {
                args.add("--max-seq");
                args.add(Long.toString(maxSeq));
            }
            commands.add(args.toArray(String[]::new));
        }
        List<AttncCli.Result> results = runAll(commands);

        int errors = 0;
        int models = 0;
        List<String> failedFiles = new ArrayList<>();
        StringBuilder summary = new StringBuilder();
        for (int index = 0; index < stale.size(); index++) {
            Job job = stale.get(index);
            AttncCli.Result result = results.get(index);
            List<Diagnostics.Diagnostic> diagnostics = Diagnostics.parse(result.err());
            for (Diagnostics.Diagnostic diagnostic : diagnostics) {
                if (diagnostic.isError()) {
                    getLog().error(diagnostic.text());
                } else {
                    getLog().warn(diagnostic.text());
                }
            }
            switch (result.exitCode()) {
                case 0 -> {
                    List<String> written = result.out().lines().filter(l -> l.startsWith("wrote "))
                            .map(l -> output.relativize(Path.of(l.substring("wrote ".length())).toAbsolutePath().normalize())
                                    .toString().replace(File.separatorChar, '/'))
                            .toList();
                    models += written.size();
                    status.setProperty(job.key(), String.join(",", written));
                    getLog().debug("attnc: " + job.source() + " (" + job.backend() + ") -> " + written);
                }
                case 1 -> {
                    long count = diagnostics.stream().filter(Diagnostics.Diagnostic::isError).count();
                    errors += (int) Math.max(1, count);
                    if (!failedFiles.contains(job.source().toString())) {
                        failedFiles.add(job.source().toString());
                    }
                    for (Diagnostics.Diagnostic diagnostic : diagnostics) {
                        if (diagnostic.isError()) {
                            summary.append(diagnostic.headline()).append('\n');
                        }
                    }
                }
                default -> throw new MojoExecutionException("attnc failed on " + job.source() + " (exit code " + result.exitCode()
                        + "):\n" + result.err() + result.out());
            }
        }
        status.setProperty("#options", fingerprint);
        save(statusFile, status);
        if (errors > 0) {
            String message = "attnc: " + errors + " error" + (errors == 1 ? "" : "s") + " in " + failedFiles.size() + " file"
                    + (failedFiles.size() == 1 ? "" : "s") + ":\n" + summary.toString().stripTrailing();
            throw new MojoFailureException(message);
        }
        getLog().info("attnc: compiled " + stale.size() + " file" + (stale.size() == 1 ? "" : "s") + " (" + models + " class"
                + (models == 1 ? "" : "es") + ") to " + output + (upToDate > 0 ? ", " + upToDate + " up to date" : ""));
    }

    private void delete(List<Path> files) {
        for (Path file : files) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                getLog().warn("attnc: cannot delete " + file + ": " + e.getMessage());
            }
        }
    }

    /** Whether every class a file generated last time is still there and newer than the file. */
    static boolean upToDate(Path source, Path output, String recorded) {
        if (recorded == null || recorded.isEmpty()) {
            return false;
        }
        try {
            long sourceTime = Files.getLastModifiedTime(source).toMillis();
            List<Path> generated = outputs(output, recorded);
            if (generated.size() != recorded.split(",").length) {
                return false; // a recorded path outside the output folder: recompile rather than trust it
            }
            for (Path generatedFile : generated) {
                if (!Files.isRegularFile(generatedFile) || Files.getLastModifiedTime(generatedFile).toMillis() < sourceTime) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The files a status entry records, resolved under {@code output}. A recorded path that
     * leaves {@code output} (the status file is in target/ and can be edited) is dropped: the
     * plugin never deletes or trusts a file outside the folder it writes.
     */
    static List<Path> outputs(Path output, String recorded) {
        if (recorded == null || recorded.isEmpty()) {
            return List.of();
        }
        Path base = output.toAbsolutePath().normalize();
        List<Path> paths = new ArrayList<>();
        for (String relative : recorded.split(",")) {
            Path path = base.resolve(relative).normalize();
            if (path.startsWith(base) && !path.equals(base)) {
                paths.add(path);
            }
        }
        return paths;
    }

    /** Runs the commands in this JVM if it is Java 21+, else in one forked JVM of a JDK 21+. */
    private List<AttncCli.Result> runAll(List<String[]> commands) throws MojoExecutionException {
        if (Runtime.version().feature() >= COMPILER_JAVA) {
            List<AttncCli.Result> results = new ArrayList<>();
            for (String[] command : commands) {
                results.add(AttncCli.run(getClass().getClassLoader(), command));
            }
            return results;
        }
        return fork(javaExecutable(), commands);
    }

    private String javaExecutable() throws MojoExecutionException {
        if (jdkHome != null) {
            File java = new File(jdkHome, "bin/java" + (File.separatorChar == '\\' ? ".exe" : ""));
            if (!java.canExecute()) {
                throw new MojoExecutionException("jdkHome " + jdkHome + " has no bin/java");
            }
            return java.getPath();
        }
        Toolchain toolchain = toolchainManager == null ? null : toolchainManager.getToolchainFromBuildContext("jdk", session);
        String java = toolchain == null ? null : toolchain.findTool("java");
        if (java == null) {
            throw new MojoExecutionException("attnc needs Java " + COMPILER_JAVA + " or newer, and Maven runs on Java "
                    + Runtime.version().feature() + ". Run Maven on a JDK " + COMPILER_JAVA + "+, or select one with"
                    + " maven-toolchains-plugin (goal select-jdk-toolchain, version [21,)) before generate-sources,"
                    + " or set <jdkHome> of attnc-maven-plugin.");
        }
        return java;
    }

    private List<AttncCli.Result> fork(String java, List<String[]> commands) throws MojoExecutionException {
        String classpath = pluginArtifacts.stream().filter(a -> a.getFile() != null).map(a -> a.getFile().getAbsolutePath())
                .collect(Collectors.joining(File.pathSeparator));
        List<String> command = List.of(java, "-cp", classpath, BatchMain.class.getName());
        getLog().debug("attnc: forking " + java + " for " + commands.size() + " file(s)");
        try {
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
            StringBuilder errText = new StringBuilder();
            Thread drain = new Thread(() -> {
                try (InputStream err = process.getErrorStream()) {
                    errText.append(new String(err.readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // the exit code tells
                }
            });
            drain.start();
            try (OutputStream stdin = process.getOutputStream()) {
                for (String[] args : commands) {
                    stdin.write((BatchMain.encodeCommand(args) + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
            String stdout;
            try (InputStream in = process.getInputStream()) {
                stdout = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new MojoExecutionException("attnc did not finish within 10 minutes");
            }
            drain.join();
            List<AttncCli.Result> results = new ArrayList<>();
            for (String line : stdout.split("\\R")) {
                String[] parts = line.split(" ");
                if (parts.length == 4 && parts[0].equals("job")) {
                    results.add(new AttncCli.Result(Integer.parseInt(parts[1]), BatchMain.decode(parts[2]), BatchMain.decode(parts[3])));
                }
            }
            if (process.exitValue() != 0 || results.size() != commands.size()) {
                throw new MojoExecutionException("the attnc compiler JVM (" + java + ") failed with exit code "
                        + process.exitValue() + ":\n" + errText + stdout);
            }
            return results;
        } catch (IOException e) {
            throw new MojoExecutionException("cannot run " + java + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MojoExecutionException("interrupted while compiling .attn files", e);
        }
    }

    private static Properties load(Path file) {
        Properties properties = new Properties();
        if (Files.isRegularFile(file)) {
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (IOException | IllegalArgumentException e) {
                properties.clear();
            }
        }
        return properties;
    }

    private static void save(Path file, Properties properties) throws MojoExecutionException {
        try {
            Files.createDirectories(file.getParent());
            Map<String, String> sorted = new TreeMap<>();
            properties.forEach((k, v) -> sorted.put((String) k, (String) v));
            try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                writer.write("# attnc-maven-plugin: the classes each .attn file generated, per backend\n");
                for (Map.Entry<String, String> entry : sorted.entrySet()) {
                    writer.write(escape(entry.getKey()) + "=" + escape(entry.getValue()) + "\n");
                }
            }
        } catch (IOException e) {
            throw new MojoExecutionException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c == '\\' || c == '=' || c == ':' || c == '#' || c == '!' || c == ' ' && out.length() == 0) {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }
}
