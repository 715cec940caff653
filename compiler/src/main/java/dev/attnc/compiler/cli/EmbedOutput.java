package dev.attnc.compiler.cli;

import com.google.gson.Gson;
import dev.attnc.runtime.Tensor;
import dev.attnc.runtime.embed.Embedder.Embedded;
import dev.attnc.runtime.weights.Safetensors;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where {@code attnc embed} puts the embeddings, in the input's order: a summary for people
 * (text), JSON lines, tab-separated values, or a safetensors file; on standard output or in a
 * file. A file is written under a temporary name beside it and moved into place at the end, so
 * a failed run leaves the old file (or none), never half of one.
 */
abstract class EmbedOutput implements AutoCloseable {

    enum Format {
        TEXT, JSONL, TSV, SAFETENSORS;

        static Format parse(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "text" -> TEXT;
                case "jsonl", "json", "ndjson" -> JSONL;
                case "tsv" -> TSV;
                case "safetensors" -> SAFETENSORS;
                default -> throw new Main.UsageError("--format takes text, jsonl, tsv or safetensors, found "
                        + Terminal.safe(name));
            };
        }

        /** The format a file's extension names. */
        static Format ofFile(Path file) {
            String name = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
            if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
                return JSONL;
            }
            if (name.endsWith(".tsv") || name.endsWith(".txt")) {
                return TSV;
            }
            if (name.endsWith(".safetensors")) {
                return SAFETENSORS;
            }
            throw new Main.UsageError("--out takes a .jsonl, .tsv or .safetensors file (or give --format), found "
                    + Terminal.safe(file.toString()));
        }
    }

    /** The most sentences a safetensors file holds: it is written at the end, from memory (150 MB at D = 384). */
    static final int MAX_SAFETENSORS_SENTENCES = 100_000;

    /** Values of each embedding the text format prints without --full. */
    static final int SHOWN = 8;

    /** Takes the next sentence's embedding; {@code index} counts from 0 in the input's order. */
    abstract void accept(int index, String sentence, Embedded e) throws IOException;

    /** Completes the output: the file is moved into place. */
    abstract void finish(List<float[]> similarity) throws IOException;

    /** Drops a file not finished. */
    @Override
    public void close() throws IOException {
    }

    static EmbedOutput text(PrintWriter out, boolean full) {
        return new EmbedOutput() {
            @Override
            void accept(int index, String sentence, Embedded e) {
                float[] v = e.vector();
                out.printf("%d: \"%s\" (%d tokens)%n", index + 1, Terminal.safe(oneLine(sentence)), e.tokens());
                int shown = full ? v.length : Math.min(SHOWN, v.length);
                StringBuilder line = new StringBuilder("   [");
                for (int i = 0; i < shown; i++) {
                    if (i > 0) {
                        line.append(i % 8 == 0 ? ",\n    " : ", ");
                    }
                    line.append(String.format(Locale.ROOT, "%.6f", v[i]));
                }
                line.append(shown < v.length ? ", ... (" + v.length + " values)]" : "]");
                out.println(line);
            }

            @Override
            void finish(List<float[]> similarity) {
                out.flush();
            }
        };
    }

    /** JSON lines or TSV on standard output; JSON escapes every non-ASCII character there. */
    static EmbedOutput stream(Format format, PrintWriter out) {
        return new Lines(format, out, true);
    }

    /** JSON lines, TSV or safetensors into {@code file}. */
    static EmbedOutput file(Format format, Path file, String modelName, String pooling) throws IOException {
        if (format == Format.SAFETENSORS) {
            return new SafetensorsOutput(file, modelName, pooling);
        }
        Path absolute = file.toAbsolutePath();
        Path temp = absolute.resolveSibling("." + absolute.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        Writer writer = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), StandardCharsets.UTF_8), 1 << 16);
        return new Lines(format, writer, false) {
            private boolean moved;

            @Override
            void finish(List<float[]> similarity) throws IOException {
                writer.close();
                move(temp, absolute);
                moved = true;
            }

            @Override
            public void close() throws IOException {
                if (!moved) {
                    writer.close();
                    Files.deleteIfExists(temp);
                }
            }
        };
    }

    private static class Lines extends EmbedOutput {
        private final Format format;
        private final Writer out;
        private final boolean asciiOnly;
        private final StringBuilder line = new StringBuilder(8192);

        Lines(Format format, Writer out, boolean asciiOnly) {
            this.format = format;
            this.out = out;
            this.asciiOnly = asciiOnly;
        }

        @Override
        void accept(int index, String sentence, Embedded e) throws IOException {
            line.setLength(0);
            float[] v = e.vector();
            if (format == Format.JSONL) {
                line.append("{\"index\":").append(index).append(",\"text\":");
                json(line, sentence, asciiOnly);
                line.append(",\"tokens\":").append(e.tokens());
                if (e.encoding().truncated()) {
                    line.append(",\"truncated_from\":").append(e.encoding().fullLength());
                }
                line.append(",\"embedding\":[");
                for (int d = 0; d < v.length; d++) {
                    line.append(d == 0 ? "" : ",").append(v[d]);
                }
                line.append("]}\n");
            } else {
                for (int d = 0; d < v.length; d++) {
                    line.append(d == 0 ? "" : "\t").append(v[d]);
                }
                line.append('\n');
            }
            out.write(line.toString());
        }

        @Override
        void finish(List<float[]> similarity) throws IOException {
            out.flush();
        }
    }

    private static final class SafetensorsOutput extends EmbedOutput {
        private final Path file;
        private final String modelName;
        private final String pooling;
        private final List<float[]> vectors = new ArrayList<>();
        private final List<String> sentences = new ArrayList<>();

        SafetensorsOutput(Path file, String modelName, String pooling) {
            this.file = file;
            this.modelName = modelName;
            this.pooling = pooling;
        }

        @Override
        void accept(int index, String sentence, Embedded e) {
            if (vectors.size() == MAX_SAFETENSORS_SENTENCES) {
                throw new Main.UsageError("a .safetensors output holds at most " + MAX_SAFETENSORS_SENTENCES
                        + " sentences; write more as .jsonl or .tsv");
            }
            vectors.add(e.vector());
            sentences.add(sentence);
        }

        @Override
        void finish(List<float[]> similarity) throws IOException {
            int n = vectors.size();
            int width = n == 0 ? 0 : vectors.get(0).length;
            float[] all = new float[n * width];
            for (int i = 0; i < n; i++) {
                System.arraycopy(vectors.get(i), 0, all, i * width, width);
            }
            Map<String, Tensor> tensors = new java.util.LinkedHashMap<>();
            tensors.put("embeddings", Tensor.floats(all, n, width));
            if (similarity != null) {
                float[] sim = new float[n * n];
                float[][] matrix = EmbedCommand.cosineMatrix(similarity);
                for (int i = 0; i < n; i++) {
                    System.arraycopy(matrix[i], 0, sim, i * n, n);
                }
                tensors.put("similarity", Tensor.floats(sim, n, n));
            }
            try {
                Safetensors.write(file, tensors, Map.of("model", modelName, "pooling", pooling, "sentences",
                        new Gson().toJson(sentences)));
            } catch (UncheckedIOException e) {
                throw new Main.UsageError(e.getMessage());
            }
        }
    }

    /**
     * {@code text} as a JSON string. Besides what JSON requires, C1 controls, DEL and the
     * characters that reorder or break lines are escaped, so the line is safe to print on a
     * terminal; with {@code asciiOnly}, every character past ASCII too.
     */
    static void json(StringBuilder out, String text, boolean asciiOnly) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> {
                    boolean control = c < 0x20 || c >= 0x7f && c <= 0x9f;
                    boolean reorders = c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069 || c == 0x200e
                            || c == 0x200f || c == 0x061c || c == 0x2028 || c == 0x2029;
                    if (control || reorders || asciiOnly && c > 0x7f) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    static String oneLine(String s) {
        String flat = s.replaceAll("\\s+", " ").strip();
        return flat.length() > 70 ? flat.substring(0, 67) + "..." : flat;
    }

    private static void move(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
