package dev.attnc.compiler.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attnc.compiler.Repo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The hostile corpus of {@code src/test/resources/hostile/} (its README.md describes it): every
 * case runs through {@code attnc} in a JVM with a 512 MB heap ({@link HostileRunner}) and must
 * end with its documented exit code (0, 1 or 2) and one-line error, within 5 s, with no stack
 * trace and nothing touched outside its scratch folder.
 *
 * <p>A case marked {@code pending: REASON} waits for a fix made on another branch: while it fails
 * it is reported loudly as an expected failure; once it passes, this test fails until the marker
 * is removed, so that no fixed case stays marked.
 */
class HostileCorpusTest {
    static final long TIME_LIMIT_MILLIS = HostileRunner.TIME_LIMIT_MILLIS;
    /** Lines that betray a stack trace. */
    private static final Pattern STACK_TRACE = Pattern.compile(
            "(?m)^\\s+at [\\w$.<>/]+\\(|Exception in thread|^Caused by:|^\\s*\\.\\.\\. \\d+ more$|Exception: .*\\n\\s+at ");

    private static List<HostileCase> allCases;
    private static List<HostileCase> cases;
    private static Map<String, HostileRunner.Result> results;
    private static Path work;

    static Path corpus() {
        return Repo.path("compiler/src/test/resources/hostile");
    }

    @BeforeAll
    static void runAll() throws IOException, InterruptedException {
        allCases = HostileCase.readAll(corpus());
        // -Dhostile.cases=REGEX runs only the cases whose names it matches (while fixing one class, say).
        Pattern only = Pattern.compile(System.getProperty("hostile.cases", ".*"));
        cases = allCases.stream().filter(c -> only.matcher(c.name()).matches()).toList();
        work = Files.createTempDirectory("attnc-hostile");
        results = new LinkedHashMap<>();
        Map<Map<String, String>, List<HostileCase>> byEnv = new LinkedHashMap<>();
        for (HostileCase c : cases) {
            byEnv.computeIfAbsent(c.env(), e -> new ArrayList<>()).add(c);
        }
        for (Map.Entry<Map<String, String>, List<HostileCase>> group : byEnv.entrySet()) {
            results.putAll(runGroup(group.getValue(), group.getKey()));
        }
        // Cases that timed out once are run again, each in a fresh JVM: a loaded machine is not a hostile input.
        // Pending cases are expected to fail, often by timing out: they are not run again.
        for (HostileCase c : cases) {
            HostileRunner.Result r = results.get(c.name());
            if (c.pending() == null && r != null && (r.exit() == HostileRunner.TIMED_OUT || r.millis() > TIME_LIMIT_MILLIS)) {
                results.putAll(runGroup(List.of(c), c.env()));
            }
        }
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (results != null && !results.isEmpty()) {
            HostileRunner.Result slowest = results.values().stream().max(java.util.Comparator.comparingLong(HostileRunner.Result::millis))
                    .orElseThrow();
            System.out.printf("hostile corpus: %d cases, %d ms in the cases, the slowest %s (%d ms); every case in %s%n",
                    results.size(), results.values().stream().mapToLong(HostileRunner.Result::millis).sum(), slowest.name(),
                    slowest.millis(), SUMMARY);
            writeSummary();
        }
        if (work != null) {
            HostileRunner.deleteTree(work);
        }
    }

    /** One line per case, for a person reading the build: outcome, exit code, time, first problem. */
    private static final Path SUMMARY = Repo.path("compiler/target/hostile-corpus.txt");

    private static void writeSummary() throws IOException {
        StringBuilder b = new StringBuilder("# case\toutcome\texit\tms\tfirst problem\n");
        for (HostileCase c : cases) {
            HostileRunner.Result r = results.get(c.name());
            List<String> problems = problems(c, r);
            String outcome = problems.isEmpty() ? (c.pending() == null ? "pass" : "PENDING-PASSES") : c.pending() == null ? "FAIL" : "pending";
            b.append(c.name()).append('\t').append(outcome).append('\t').append(r == null ? "-" : r.exit()).append('\t')
                    .append(r == null ? "-" : r.millis()).append('\t').append(problems.isEmpty() ? "" : problems.get(0).replace('\n', ' '))
                    .append('\n');
        }
        Files.createDirectories(SUMMARY.getParent());
        Files.writeString(SUMMARY, b, StandardCharsets.UTF_8);
    }

    /** Runs {@code group} in as many JVMs as it takes (a new one after a case whose thread would not stop). */
    private static Map<String, HostileRunner.Result> runGroup(List<HostileCase> group, Map<String, String> env)
            throws IOException, InterruptedException {
        Map<String, HostileRunner.Result> done = new LinkedHashMap<>();
        List<HostileCase> left = new ArrayList<>(group);
        while (!left.isEmpty()) {
            Path root = Files.createTempDirectory(work, "run");
            for (String folder : List.of("cwd", "tmp", "canary", "scratch")) {
                Files.createDirectories(root.resolve(folder));
            }
            Files.writeString(root.resolve("canary/keep.txt"), "a file the cases must not touch\n");
            Files.createDirectories(root.resolve("canary/sub"));
            Files.writeString(root.resolve("canary/sub/M.java"), "// not generated by attnc\n");
            Path resultFile = work.resolve(root.getFileName() + ".results");
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-Xss8m", "-XX:+UseSerialGC", "-XX:-UsePerfData", "--add-modules", "jdk.incubator.vector",
                    "-Djava.awt.headless=true", "-Djava.io.tmpdir=" + root.resolve("tmp"),
                    "-cp", classPath(), HostileRunner.class.getName(), corpus().toString(), root.toString(), resultFile.toString()));
            left.forEach(c -> command.add(c.name()));
            ProcessBuilder builder = new ProcessBuilder(command).directory(root.resolve("cwd").toFile())
                    .redirectErrorStream(true).redirectOutput(work.resolve(root.getFileName() + ".log").toFile());
            builder.environment().remove("ATTNC_DEBUG");
            builder.environment().remove("ATTNC_THREADS");
            builder.environment().putAll(env);
            if (!env.isEmpty()) {
                builder.environment().put("ATTNC_HOSTILE_ENV", "1");
            }
            Process process = builder.start();
            long allowed = 60L + left.size() * (TIME_LIMIT_MILLIS / 1000 + 5);
            if (!process.waitFor(allowed, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            List<HostileRunner.Result> got = new ArrayList<>();
            if (Files.exists(resultFile)) {
                for (String line : Files.readAllLines(resultFile, StandardCharsets.UTF_8)) {
                    if (!line.isEmpty()) {
                        got.add(HostileRunner.Result.fromLine(line));
                    }
                }
            }
            got.forEach(r -> done.put(r.name(), r));
            int finished = got.size();
            if (finished == 0 || process.exitValue() != HostileRunner.RESTART && finished < left.size()) {
                // The JVM died without saying why (a crash, or the heap filled outside a case): the next case is blamed.
                String log = Files.readString(work.resolve(root.getFileName() + ".log"), StandardCharsets.UTF_8);
                HostileCase blamed = left.get(finished);
                done.put(blamed.name(), new HostileRunner.Result(blamed.name(), HostileRunner.THREW, 0, "", "",
                        List.of("the runner JVM ended (exit code " + process.exitValue() + ") during this case: " + tail(log))));
                finished++;
            }
            left = new ArrayList<>(left.subList(finished, left.size()));
        }
        return done;
    }

    private static String tail(String log) {
        return log.length() < 2_000 ? log : "..." + log.substring(log.length() - 2_000);
    }

    /** The test class path: Surefire's own list when it is there (java.class.path may be one manifest jar). */
    private static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    @TestFactory
    Stream<DynamicTest> everyCase() {
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
    }

    @Test
    void theCorpusHasAtLeastOneHundredCasesInEveryClass() throws IOException {
        assertTrue(allCases.size() >= 100, "only " + allCases.size() + " cases");
        for (int number = 1; number <= 7; number++) {
            String prefix = number + "-";
            long count = allCases.stream().filter(c -> c.file().startsWith(prefix)).count();
            assertTrue(count >= 3, "class " + number + " has " + count + " cases");
        }
        String readme = Files.readString(corpus().resolve("README.md"), StandardCharsets.UTF_8);
        List<String> missing = allCases.stream().filter(c -> c.pending() != null)
                .filter(c -> !readme.contains("`" + c.name() + "`")).map(HostileCase::name).toList();
        assertEquals(List.of(), missing, "pending cases not listed in README.md's Pending section");
    }

    private static void check(HostileCase c) {
        HostileRunner.Result r = results.get(c.name());
        List<String> problems = problems(c, r);
        if (c.pending() == null) {
            if (!problems.isEmpty()) {
                fail(report(c, r, problems));
            }
            return;
        }
        if (problems.isEmpty()) {
            fail(c.name() + " passes now: remove its `pending: " + c.pending() + "` marker (" + c.file()
                    + ") and its line in README.md's Pending section");
        }
        System.out.println("HOSTILE PENDING (expected failure) " + c.name() + ": " + c.pending() + "\n    "
                + String.join("\n    ", problems));
    }

    /** Everything wrong with how {@code c} ended; empty when it passed. */
    static List<String> problems(HostileCase c, HostileRunner.Result r) {
        List<String> problems = new ArrayList<>();
        if (r == null) {
            problems.add("no result: the runner did not reach this case");
            return problems;
        }
        problems.addAll(r.problems());
        if (r.exit() == HostileRunner.NOT_RUN) {
            return problems;
        }
        if (r.exit() > 2) {
            problems.add("exit code " + r.exit() + ", not 0, 1 or 2");
        }
        if (r.exit() != c.exit()) {
            problems.add("exit code " + r.exit() + ", expected " + c.exit());
        }
        if (r.millis() > TIME_LIMIT_MILLIS && r.problems().stream().noneMatch(p -> p.startsWith("took "))) {
            problems.add("took " + r.millis() + " ms, over " + TIME_LIMIT_MILLIS + " ms");
        }
        if (STACK_TRACE.matcher(r.err()).find() || STACK_TRACE.matcher(r.out()).find()) {
            problems.add("a stack trace was printed");
        }
        String first = r.err().lines().filter(l -> !l.isBlank()).findFirst().orElse("");
        if (c.error() != null) {
            if (!Pattern.compile(c.error()).matcher(first).find()) {
                problems.add("the first line of standard error, `" + first + "`, does not match /" + c.error() + "/");
            }
        } else if (r.err().lines().anyMatch(l -> l.contains("error:") || l.startsWith("attnc: "))) {
            problems.add("standard error reports an error: `" + first + "`");
        }
        for (String forbidden : c.forbid()) {
            if (Pattern.compile(forbidden).matcher(r.out() + r.err()).find()) {
                problems.add("the output contains /" + forbidden + "/");
            }
        }
        if (c.stdout() != null && !Pattern.compile(c.stdout(), Pattern.MULTILINE).matcher(r.out()).find()) {
            problems.add("standard output does not match /" + c.stdout() + "/");
        }
        return problems;
    }

    private static String report(HostileCase c, HostileRunner.Result r, List<String> problems) {
        StringBuilder b = new StringBuilder(c.name() + " (" + c.file() + "): " + String.join("; ", problems));
        if (r != null) {
            b.append("\n--- exit ").append(r.exit()).append(", ").append(r.millis()).append(" ms")
                    .append("\n--- stderr:\n").append(shorten(r.err())).append("\n--- stdout:\n").append(shorten(r.out()));
        }
        return b.toString();
    }

    private static String shorten(String s) {
        return s.length() <= 3_000 ? s : s.substring(0, 3_000) + "\n[...]";
    }
}
