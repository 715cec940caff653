package dev.attnc.maven;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The entry point of the JVM the plugin forks when Maven itself runs on a Java older than 21:
 * reads one {@code attnc} command line per line of standard input (each argument Base64-encoded,
 * separated by spaces, so that no file name can add or split an argument), runs each, and prints
 * per command {@code job <exit code> <stdout> <stderr>}, the two outputs Base64-encoded, so that
 * one JVM compiles every stale file.
 */
public final class BatchMain {
    private BatchMain() {
    }

    public static void main(String[] args) throws IOException {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) {
                continue;
            }
            AttncCli.Result result = AttncCli.run(BatchMain.class.getClassLoader(), decodeCommand(line));
            out.println("job " + result.exitCode() + " " + encode(result.out()) + " " + encode(result.err()));
        }
        out.flush();
    }

    /** One command line as one line of text: its arguments encoded, separated by spaces. */
    static String encodeCommand(String[] args) {
        StringBuilder line = new StringBuilder();
        for (String arg : args) {
            line.append(line.length() == 0 ? "" : " ").append(encode(arg));
        }
        return line.toString();
    }

    static String[] decodeCommand(String line) {
        String[] args = line.split(" ");
        for (int index = 0; index < args.length; index++) {
            args[index] = decode(args[index]);
        }
        return args;
    }

    static String encode(String text) {
        String encoded = Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
        return encoded.isEmpty() ? "-" : encoded;
    }

    static String decode(String text) {
        return text.equals("-") ? "" : new String(Base64.getDecoder().decode(text), StandardCharsets.UTF_8);
    }
}
