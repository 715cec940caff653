package dev.attnc.compiler.hostile;

import dev.attnc.compiler.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs hostile cases in this JVM (started by {@link HostileCorpusTest} with a 512 MB heap), each
 * through {@link Main#run} on a thread of its own, in a fresh scratch folder, and appends one
 * result line per case to a results file.
 *
 * <p>Arguments: the corpus folder, the root folder (holding {@code cwd/}, the working directory
 * of this JVM; {@code tmp/}, its {@code java.io.tmpdir}; {@code canary/}; and the scratch
 * folders), the results file, and the names of the cases to run, in order. A case that does not
 * end within {@link #TIME_LIMIT_MILLIS} is recorded as a timeout; if its thread then does not end
 * either, this JVM exits with {@link #RESTART} and the parent starts a new one for the cases left.
 */
public final class HostileRunner {
    static final long TIME_LIMIT_MILLIS = 5_000;
    /** Exit code: a case's thread would not stop; start a new JVM for the cases after the last result. */
    static final int RESTART = 42;
    /** Files hashed whole when checking that they were not changed; bigger ones by size and time. */
    private static final long HASHED = 16L << 20;

    private HostileRunner() {
    }

    /** What one case did. */
    record Result(String name, int exit, long millis, String out, String err, List<String> problems) {

        String toLine() {
            Base64.Encoder b = Base64.getEncoder();
            return String.join("\t", name, Integer.toString(exit), Long.toString(millis),
                    b.encodeToString(out.getBytes(StandardCharsets.UTF_8)), b.encodeToString(err.getBytes(StandardCharsets.UTF_8)),
                    b.encodeToString(String.join("\n", problems).getBytes(StandardCharsets.UTF_8)));
        }

        static Result fromLine(String line) {
            String[] f = line.split("\t", -1);
            Base64.Decoder b = Base64.getDecoder();
            String problems = new String(b.decode(f[5]), StandardCharsets.UTF_8);
            return new Result(f[0], Integer.parseInt(f[1]), Long.parseLong(f[2]), new String(b.decode(f[3]), StandardCharsets.UTF_8),
                    new String(b.decode(f[4]), StandardCharsets.UTF_8), problems.isEmpty() ? List.of() : List.of(problems.split("\n")));
        }
    }

    /** Exit codes recorded for cases that did not end normally. */
    static final int TIMED_OUT = -1;
    static final int THREW = -2;
    static final int NOT_RUN = -3;

    public static void main(String[] args) throws Exception {
        Path corpus = Path.of(args[0]);
        Path root = Path.of(args[1]);
        Path results = Path.of(args[2]);
        List<String> names = List.of(args).subList(3, args.length);
        Builders.corpusFolder = corpus;
        Map<String, HostileCase> byName = new TreeMap<>();
        for (HostileCase c : HostileCase.readAll(corpus)) {
            byName.put(c.name(), c);
        }
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        Streams streams = new Streams();
        System.setOut(streams.out);
        System.setErr(streams.err);
        warmUp(root, streams);
        for (String name : names) {
            HostileCase c = byName.get(name);
            Outcome outcome = runOne(c, root, streams);
            Files.writeString(results, outcome.result.toLine() + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            if (outcome.stuck) {
                realErr.println("hostile runner: case " + name + " did not stop; restarting the JVM");
                realErr.flush();
                Runtime.getRuntime().halt(RESTART);
            }
        }
        realOut.flush();
        System.exit(0);
    }

    /**
     * One tiny model through check, compile and run, so that no case pays for loading javac and
     * the JIT's first steps; not run where the environment was set for the cases (ATTNC_THREADS
     * is read once, when the first model runs).
     */
    private static void warmUp(Path root, Streams streams) throws IOException {
        boolean runToo = System.getenv("ATTNC_HOSTILE_ENV") == null;
        Path dir = root.resolve("warm-up");
        Files.createDirectories(dir);
        Path model = dir.resolve("warm.attn");
        Files.writeString(model, "model Warm {\n  const D = 8\n  dim T <= 16\n  input x : [T, D]\n  param w : linear(D, D)\n"
                + "  y = attention(w(x), x, x, heads = 2) { mask causal }\n  output y\n}\n");
        for (String[] args : List.of(new String[] {"check", model.toString()},
                new String[] {"run", model.toString(), "--seq", "4"},
                new String[] {"compile", model.toString(), "-o", dir.resolve("out").toString()})) {
            if (!runToo && args[0].equals("run")) {
                continue;
            }
            Main.run(args, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        }
        deleteTree(dir);
        streams.take();
    }

    private record Outcome(Result result, boolean stuck) {
    }

    private static Outcome runOne(HostileCase c, Path root, Streams streams) throws IOException {
        Path scratch = root.resolve("scratch").resolve(c.name());
        Path canary = root.resolve("canary");
        Files.createDirectories(scratch);
        List<String> problems = new ArrayList<>();
        try {
            for (Map.Entry<String, String> file : c.files().entrySet()) {
                Path path = scratch.resolve(file.getKey());
                Files.createDirectories(path.getParent());
                Files.writeString(path, HostileCase.expand(file.getValue(), scratch, canary), StandardCharsets.UTF_8);
            }
            for (List<String> build : c.builds()) {
                Builders.build(build.stream().map(a -> HostileCase.expand(a, scratch, canary)).toList(), scratch);
            }
        } catch (Builders.Unavailable e) {
            deleteTree(scratch);
            return new Outcome(new Result(c.name(), NOT_RUN, 0, "", "", List.of("not run: " + e.getMessage())), false);
        }
        String[] args = c.args().stream().map(a -> HostileCase.expand(a, scratch, canary)).toArray(String[]::new);
        Map<String, String> prepared = snapshot(scratch);
        Map<String, String> outside = snapshot(root, root.resolve("scratch"));
        List<String> otherScratch;
        try (var list = Files.list(root.resolve("scratch"))) {
            otherScratch = list.map(p -> p.getFileName().toString()).sorted().toList();
        }

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AtomicReference<Integer> code = new AtomicReference<>();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        streams.take();
        Thread thread = new Thread(() -> {
            try {
                code.set(Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true)));
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "hostile-" + c.name());
        thread.setDaemon(true);
        long start = System.nanoTime();
        thread.start();
        boolean stuck = false;
        try {
            thread.join(TIME_LIMIT_MILLIS);
            if (thread.isAlive()) {
                unblockFifos(scratch);
                thread.interrupt();
                thread.join(2_000);
                stuck = thread.isAlive();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        String[] leaked = streams.take();
        int exit;
        if (thrown.get() != null) {
            exit = THREW;
            Throwable t = thrown.get();
            problems.add("Main.run threw " + t + (t instanceof OutOfMemoryError ? " (over the 512 MB heap)" : ""));
        } else if (code.get() == null || millis > TIME_LIMIT_MILLIS) {
            exit = code.get() == null ? TIMED_OUT : code.get();
            problems.add("took " + millis + " ms, over the limit of " + TIME_LIMIT_MILLIS + " ms"
                    + (code.get() == null ? " (stopped waiting)" : ""));
        } else {
            exit = code.get();
        }
        String stdout = cap(out + leaked[0]);
        String stderr = cap(err + leaked[1]);
        if (!leaked[0].isEmpty() || !leaked[1].isEmpty()) {
            problems.add("wrote to System.out/System.err directly instead of the streams given to Main.run");
        }

        if (!stuck) {
            // What must and must not exist, what was prepared and must be unchanged, what is outside.
            for (String path : c.absent()) {
                Path p = scratch.resolve(HostileCase.expand(path, scratch, canary));
                if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    problems.add(p + " exists and must not");
                }
            }
            for (String path : c.exists()) {
                Path p = scratch.resolve(HostileCase.expand(path, scratch, canary));
                if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    problems.add(p + " does not exist and must");
                }
            }
            Map<String, String> after = snapshot(scratch);
            for (Map.Entry<String, String> file : prepared.entrySet()) {
                if (c.changes().contains(file.getKey())) {
                    continue;
                }
                String now = after.get(file.getKey());
                if (now == null) {
                    problems.add("prepared file " + file.getKey() + " was deleted");
                } else if (!now.equals(file.getValue())) {
                    problems.add("prepared file " + file.getKey() + " was changed");
                }
            }
            Map<String, String> outsideAfter = snapshot(root, root.resolve("scratch"));
            if (!outsideAfter.equals(outside)) {
                problems.add("touched outside its scratch folder: " + difference(outside, outsideAfter));
                restore(root, outside);
            }
            List<String> scratchAfter;
            try (var list = Files.list(root.resolve("scratch"))) {
                scratchAfter = list.map(p -> p.getFileName().toString()).sorted().toList();
            }
            if (!scratchAfter.equals(otherScratch)) {
                problems.add("touched beside its scratch folder: " + scratchAfter + " instead of " + otherScratch);
            }
            if (c.javac() != null) {
                problems.addAll(compileAndInitialize(scratch.resolve(c.javac()), scratch.resolve("javac-classes")));
                Path pwned = scratch.resolve("PWNED");
                if (c.absent().contains("PWNED") && Files.exists(pwned)) {
                    problems.add(pwned + " exists after javac and loading the generated classes");
                }
            }
            deleteTree(root.resolve("scratch"));
            Files.createDirectories(root.resolve("scratch"));
        }
        return new Outcome(new Result(c.name(), exit, millis, stdout, stderr, problems), stuck);
    }

    /**
     * Compiles every .java file below {@code sources} with javac against this JVM's class path,
     * then loads and initializes every class, as a user's build would before calling the model.
     */
    private static List<String> compileAndInitialize(Path sources, Path classes) throws IOException {
        List<String> problems = new ArrayList<>();
        List<Path> files;
        try (var walk = Files.walk(sources)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).toList();
        } catch (IOException e) {
            return List.of("javac: no sources in " + sources + ": " + e.getMessage());
        }
        if (files.isEmpty()) {
            return List.of("javac: no .java files in " + sources);
        }
        Files.createDirectories(classes);
        javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
        StringWriter messages = new StringWriter();
        List<String> options = List.of("-proc:none", "-nowarn", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), "-d", classes.toString());
        try (javax.tools.StandardJavaFileManager manager = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            boolean ok = javac.getTask(messages, manager, null, options, null, manager.getJavaFileObjectsFromPaths(files)).call();
            if (!ok) {
                return List.of("javac rejected the generated code: " + cap(messages.toString()));
            }
        }
        List<String> names;
        try (var walk = Files.walk(classes)) {
            names = walk.filter(p -> p.toString().endsWith(".class"))
                    .map(p -> classes.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", "")).toList();
        }
        try (java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {classes.toUri().toURL()},
                HostileRunner.class.getClassLoader())) {
            for (String name : names) {
                try {
                    Class.forName(name, true, loader);
                } catch (ReflectiveOperationException | LinkageError e) {
                    problems.add("loading the generated class " + name + " failed: " + e);
                }
            }
        }
        return problems;
    }

    /** A case blocked opening a FIFO for reading is released by opening it for writing. */
    private static void unblockFifos(Path scratch) {
        try (var files = Files.walk(scratch)) {
            for (Path p : files.toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isOther()) {
                    Thread writer = new Thread(() -> {
                        try (OutputStream o = Files.newOutputStream(p)) {
                            o.flush();
                        } catch (IOException ignored) {
                            // nothing was waiting
                        }
                    });
                    writer.setDaemon(true);
                    writer.start();
                }
            }
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static String cap(String text) {
        return text.length() <= 20_000 ? text : text.substring(0, 20_000) + "\n[... " + (text.length() - 20_000) + " more characters]";
    }

    /** Every file and folder below {@code root} but {@code skip}: relative path to a fingerprint. */
    static Map<String, String> snapshot(Path root, Path... skip) throws IOException {
        Map<String, String> files = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                for (Path s : skip) {
                    if (dir.equals(s)) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                }
                if (!dir.equals(root)) {
                    files.put(root.relativize(dir) + "/", "folder");
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                files.put(root.relativize(file).toString(), fingerprint(file, attrs));
                return FileVisitResult.CONTINUE;
            }
        });
        return files;
    }

    private static String fingerprint(Path file, BasicFileAttributes attrs) throws IOException {
        if (!attrs.isRegularFile()) {
            return attrs.isSymbolicLink() ? "link" : "other";
        }
        String summary = attrs.size() + " bytes, modified " + attrs.lastModifiedTime().toMillis();
        if (attrs.size() > HASHED) {
            return summary;
        }
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return summary + ", " + HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String difference(Map<String, String> before, Map<String, String> after) {
        List<String> lines = new ArrayList<>();
        for (String k : before.keySet()) {
            if (!after.containsKey(k)) {
                lines.add("deleted " + k);
            } else if (!after.get(k).equals(before.get(k))) {
                lines.add("changed " + k);
            }
        }
        for (String k : after.keySet()) {
            if (!before.containsKey(k)) {
                lines.add("created " + k);
            }
        }
        return String.join(", ", lines.subList(0, Math.min(lines.size(), 10))) + (lines.size() > 10 ? ", ..." : "");
    }

    /** Deletes what a failing case created outside its scratch folder (below the root only), so later cases start clean. */
    private static void restore(Path root, Map<String, String> before) throws IOException {
        List<Path> created = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (dir.equals(root.resolve("scratch"))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                if (!dir.equals(root) && !before.containsKey(root.relativize(dir) + "/")) {
                    created.add(dir);
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (!before.containsKey(root.relativize(file).toString())) {
                    created.add(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        for (Path p : created) {
            deleteTree(p);
        }
    }

    static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** System.out and System.err while cases run: whatever reaches them bypassed Main.run's writers. */
    private static final class Streams {
        private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        final PrintStream out = new PrintStream(new Capped(outBytes), true, StandardCharsets.UTF_8);
        final PrintStream err = new PrintStream(new Capped(errBytes), true, StandardCharsets.UTF_8);

        /** What was written since the last call: {stdout, stderr}. */
        synchronized String[] take() {
            out.flush();
            err.flush();
            String[] both;
            synchronized (outBytes) {
                synchronized (errBytes) {
                    both = new String[] {outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8)};
                    outBytes.reset();
                    errBytes.reset();
                }
            }
            return both;
        }
    }

    /** Keeps the first megabyte only. */
    private static final class Capped extends OutputStream {
        private final ByteArrayOutputStream bytes;

        Capped(ByteArrayOutputStream bytes) {
            this.bytes = bytes;
        }

        @Override
        public void write(int b) {
            synchronized (bytes) {
                if (bytes.size() < (1 << 20)) {
                    bytes.write(b);
                }
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (bytes) {
                bytes.write(b, off, Math.max(0, Math.min(len, (1 << 20) - bytes.size())));
            }
        }
    }

    static UncheckedIOException unchecked(IOException e) {
        return new UncheckedIOException(e);
    }
}
