package dev.attnc.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The examples of docs/language.md and README.md run as tests: an {@code attn} block must
 * check with no errors; an {@code attn bad} block must give exactly the diagnostics of the
 * {@code text} block that follows it.
 */
class DocsExamplesTest {
    private static final Pattern FENCE = Pattern.compile("```([^\\n]*)\\n(.*?)```", Pattern.DOTALL);

    record Example(String doc, int index, String tag, String source, String expected) {
    }

    @TestFactory
    Stream<DynamicTest> languageReferenceExamples() {
        List<Example> examples = examples("docs/language.md");
        assertTrue(examples.size() >= 15, "language.md should show an example per construct, found " + examples.size());
        return examples.stream().map(DocsExamplesTest::test);
    }

    @TestFactory
    Stream<DynamicTest> readmeExamples() {
        return examples("README.md").stream().map(DocsExamplesTest::test);
    }

    private static DynamicTest test(Example example) {
        return DynamicTest.dynamicTest(example.doc() + " example " + example.index(), () -> {
            FrontEnd.Result result;
            if (example.tag().equals("attn stories260K")) {
                // Checked against the metadata of the real file its comments quote.
                java.nio.file.Path gguf = Repo.sharedModel("stories260K-f32.gguf");
                try (var weights = dev.attnc.runtime.weights.GgufFile.open(gguf)) {
                    result = FrontEnd.check(new dev.attnc.compiler.diag.SourceFile("example.attn", example.source()),
                            weights.checkpointMetadata());
                }
            } else {
                result = Repo.check("example.attn", example.source());
            }
            String rendered = result.diagnostics().render();
            if (example.expected() == null) {
                assertFalse(result.diagnostics().hasErrors(), "example should check clean:\n" + example.source() + "\n" + rendered);
            } else {
                assertEquals(example.expected().strip(), rendered.strip(), "diagnostics of:\n" + example.source());
            }
        });
    }

    private static List<Example> examples(String doc) {
        String text = Repo.read(Repo.path(doc));
        Matcher fence = FENCE.matcher(text);
        List<String[]> blocks = new ArrayList<>();
        while (fence.find()) {
            blocks.add(new String[] {fence.group(1).trim(), fence.group(2)});
        }
        List<Example> examples = new ArrayList<>();
        for (int index = 0; index < blocks.size(); index++) {
            String tag = blocks.get(index)[0];
            if (tag.equals("attn") || tag.equals("attn stories260K")) {
                examples.add(new Example(doc, examples.size() + 1, tag, blocks.get(index)[1], null));
            } else if (tag.equals("attn bad")) {
                assertTrue(index + 1 < blocks.size() && blocks.get(index + 1)[0].equals("text"),
                        doc + ": an `attn bad` block must be followed by a `text` block with its diagnostics");
                examples.add(new Example(doc, examples.size() + 1, tag, blocks.get(index)[1], blocks.get(index + 1)[1]));
            }
        }
        return examples;
    }
}
