package dev.attnc.compiler.parse;

import dev.attnc.compiler.ast.AttnFile;
import dev.attnc.compiler.check.Limits;
import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.Messages;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.diag.Span;
import dev.attnc.grammar.AttnLexer;
import dev.attnc.grammar.AttnParser;
import java.nio.CharBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStream;
import org.antlr.v4.runtime.CodePointBuffer;
import org.antlr.v4.runtime.CodePointCharStream;
import org.antlr.v4.runtime.CommonToken;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.ListTokenSource;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.atn.PredictionMode;
import org.antlr.v4.runtime.misc.ParseCancellationException;

/**
 * Text to AST. ANTLR stays inside this package: lexing, parsing and the tree walk all report
 * into {@link Diagnostics}, and callers get an immutable {@link AttnFile} or nothing.
 */
public final class SourceParser {
    /** Deeper bracket nesting than any model needs; past it the file is refused, not parsed. */
    public static final int MAX_NESTING = 200;
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private SourceParser() {
    }

    /** Parses a file; empty when syntax errors make an AST meaningless. */
    public static Optional<AttnFile> parse(SourceFile source, Diagnostics diagnostics) {
        List<Token> tokens = lex(source, diagnostics);
        if (tokens == null || !checkLimits(source, tokens, diagnostics)) {
            return Optional.empty();
        }
        // Lexical mistakes and the repairs were reported and mended in the tokens: if the mended
        // file parses, the checker still runs, so every other mistake comes out in the same run.
        tokens = TokenRepairs.repair(source, tokens, diagnostics);
        int errorsBefore = diagnostics.errorCount();
        AttnParser.FileContext tree = parseTokens(source, tokens, diagnostics);
        if (diagnostics.errorCount() > errorsBefore) {
            return Optional.empty();
        }
        AttnFile file = new AstBuilder(source, diagnostics).file(tree);
        // The tree walk reports numbers too large to hold; the AST then has a stand-in 0 that
        // would only cause follow-on errors, so there is no AST.
        if (diagnostics.errorCount() > errorsBefore) {
            return Optional.empty();
        }
        return Optional.of(file);
    }

    /**
     * The characters the lexer reads: the UTF-16 units of the text, not its code points, so
     * that every token index is an offset into {@link SourceFile#text()} as {@link Span}
     * wants it. ({@code CharStreams.fromString} counts code points, which puts every position
     * after a character outside the BMP, such as an emoji, one place too early.) A character
     * outside the BMP reaches the lexer as its two surrogates: it can only occur in comments,
     * strings and bad characters, where the two travel together.
     */
    static CharStream charStream(SourceFile source) {
        CharBuffer units = CharBuffer.wrap(source.text().toCharArray());
        return CodePointCharStream.fromBuffer(CodePointBuffer.withChars(units), source.name());
    }

    /**
     * All tokens the parser should see; malformed ones are reported here and dropped. Null
     * when a comment runs to the end of the file: whatever the parser said next would only
     * be about the missing end.
     */
    private static List<Token> lex(SourceFile source, Diagnostics diagnostics) {
        AttnLexer lexer = new AttnLexer(charStream(source));
        lexer.removeErrorListeners();
        List<Token> kept = new ArrayList<>();
        int badStart = -1;
        int badEnd = -1;
        for (Token token = lexer.nextToken(); ; token = lexer.nextToken()) {
            int type = token.getType();
            if (type == AttnLexer.BAD_CHAR && token.getStartIndex() == 0 && source.text().charAt(0) == BYTE_ORDER_MARK) {
                continue; // a UTF-8 byte order mark, as some editors write: whitespace
            }
            if (type == AttnLexer.BAD_CHAR) {
                if (badStart >= 0 && token.getStartIndex() == badEnd) {
                    badEnd = token.getStopIndex() + 1;
                } else {
                    reportBadChars(source, badStart, badEnd, diagnostics);
                    badStart = token.getStartIndex();
                    badEnd = token.getStopIndex() + 1;
                }
                continue;
            }
            reportBadChars(source, badStart, badEnd, diagnostics);
            badStart = -1;
            if (type == AttnLexer.UNTERMINATED_STRING) {
                diagnostics.error(span(source, token), Messages.UNTERMINATED_STRING);
                // The parser sees it closed, so the rest of the line does not cascade.
                CommonToken closed = new CommonToken(token);
                closed.setType(AttnLexer.STRING);
                closed.setText(token.getText() + "\"");
                kept.add(closed);
            } else if (type == AttnLexer.SMART_QUOTED_STRING) {
                // Parsed as the string it was meant to be: one mistake, one error.
                String inside = token.getText().substring(1, token.getText().length() - 1);
                diagnostics.error(span(source, token), Messages.curlyQuotes(inside));
                CommonToken straight = new CommonToken(token);
                straight.setType(AttnLexer.STRING);
                straight.setText("\"" + inside + "\"");
                kept.add(straight);
            } else if (type == AttnLexer.HASH_COMMENT) {
                // Dropped with the rest of its line, so the words of the comment do not cascade.
                diagnostics.error(new Span(source, token.getStartIndex(), token.getStartIndex() + 1), Messages.HASH_COMMENT);
            } else if (type == AttnLexer.UNTERMINATED_COMMENT) {
                diagnostics.error(new Span(source, token.getStartIndex(), token.getStartIndex() + 2),
                        Messages.UNTERMINATED_COMMENT);
                return null;
            } else {
                kept.add(token);
            }
            if (type == Token.EOF) {
                return kept;
            }
        }
    }

    private static void reportBadChars(SourceFile source, int start, int end, Diagnostics diagnostics) {
        if (start < 0) {
            return;
        }
        // Report up to the end of the first line of the run; a caret on many lines helps nobody.
        int lineEnd = start;
        while (lineEnd < end && source.text().charAt(lineEnd) != '\n') {
            lineEnd++;
        }
        diagnostics.error(new Span(source, start, Math.max(start + 1, lineEnd)),
                Messages.unexpectedCharacters(source.text().substring(start, end)));
    }

    private static final Set<String> OPERATORS = Set.of("+", "-", "*", "/", "%", "@", "<", "<=", ">", ">=", "==", "!=",
            "&&", "||", "!");
    /** Tokens that start a statement where statements stand (an `=` ends an assignment's targets). */
    private static final Set<String> STATEMENT_STARTS = Set.of("=", ";", "const", "dim", "input", "param", "repeat", "output",
            "return", "block", "model");

    /** An open bracket: whether statements stand inside it, and the operator count of the statement it interrupted. */
    private record Open(boolean statements, int outerOperators, boolean outerReported) {
    }

    /**
     * Refuses what would make the recursive parser (and the checker after it) go deep or slow,
     * or the generated class unable to hold it, before the parser sees it: brackets nested
     * past {@link #MAX_NESTING}, a statement with more than {@link Limits#MAX_EXPRESSION_OPERATORS}
     * operators (an operator chain is as deep as it is long), names longer than
     * {@link Limits#MAX_NAME_LENGTH} and strings longer than {@link Limits#MAX_STRING_LENGTH}.
     * One pass over the tokens; the first bracket too deep stops it.
     */
    private static boolean checkLimits(SourceFile source, List<Token> tokens, Diagnostics diagnostics) {
        boolean ok = true;
        Deque<Open> open = new ArrayDeque<>();
        boolean statements = true; // at the top level, and in a model's, block's or repeat's body
        int operators = 0; // of the statement being read, brackets and an attention's clauses included
        boolean reported = false;
        Token previous = null;
        boolean attentionCallClosed = false; // the last `)` closed `attention(`: a `{` after it opens clauses
        Deque<Boolean> parenIsAttention = new ArrayDeque<>();
        for (Token token : tokens) {
            String text = token.getText();
            if (token.getType() == AttnLexer.ID && text.length() > Limits.MAX_NAME_LENGTH) {
                diagnostics.error(span(source, token), Messages.nameTooLong(text.length(), Limits.MAX_NAME_LENGTH));
                ok = false;
            } else if (token.getType() == AttnLexer.STRING && text.length() - 2 > Limits.MAX_STRING_LENGTH) {
                diagnostics.error(span(source, token), Messages.stringTooLong(text.length() - 2, Limits.MAX_STRING_LENGTH));
                ok = false;
            }
            switch (text) {
                case "(", "[", "{" -> {
                    if (open.size() + 1 > MAX_NESTING) {
                        diagnostics.error(span(source, token), Messages.nestedTooDeeply(MAX_NESTING));
                        return false;
                    }
                    boolean body = text.equals("{") && !(previous != null && previous.getText().equals(")") && attentionCallClosed);
                    open.push(new Open(body, operators, reported));
                    if (text.equals("(")) {
                        parenIsAttention.push(previous != null && previous.getText().equals("attention"));
                    }
                    statements = body;
                    if (body) {
                        operators = 0;
                        reported = false;
                    }
                }
                case ")", "]", "}" -> {
                    if (text.equals(")")) {
                        attentionCallClosed = !parenIsAttention.isEmpty() && parenIsAttention.pop();
                    }
                    if (!open.isEmpty()) {
                        Open closed = open.pop();
                        if (closed.statements()) {
                            // A body ends: back to the statement it belongs to (`repeat N { ... }`).
                            operators = closed.outerOperators();
                            reported = closed.outerReported();
                        }
                        statements = open.isEmpty() || open.peek().statements();
                    }
                }
                default -> {
                    if (statements && STATEMENT_STARTS.contains(text)) {
                        operators = 0;
                        reported = false;
                    } else if (OPERATORS.contains(text) && ++operators > Limits.MAX_EXPRESSION_OPERATORS && !reported) {
                        diagnostics.error(span(source, token), Messages.tooManyOperators(Limits.MAX_EXPRESSION_OPERATORS));
                        reported = true;
                        ok = false;
                    }
                }
            }
            previous = token;
        }
        return ok;
    }

    private static AttnParser.FileContext parseTokens(SourceFile source, List<Token> tokens, Diagnostics diagnostics) {
        // Fast SLL first; only a file that fails it pays for full LL, and gets its errors from LL.
        AttnParser parser = new AttnParser(new CommonTokenStream(new ListTokenSource(tokens)));
        parser.removeErrorListeners();
        parser.setErrorHandler(new org.antlr.v4.runtime.BailErrorStrategy());
        parser.getInterpreter().setPredictionMode(PredictionMode.SLL);
        try {
            return parser.file();
        } catch (ParseCancellationException e) {
            parser = new AttnParser(new CommonTokenStream(new ListTokenSource(tokens)));
            parser.removeErrorListeners();
            parser.addErrorListener(new BaseErrorListener() {
                @Override
                public void syntaxError(Recognizer<?, ?> recognizer, Object offending, int line, int column,
                        String message, RecognitionException e) {
                    diagnostics.error(span(source, (Token) offending), message);
                }
            });
            parser.setErrorHandler(new SyntaxErrorStrategy());
            parser.getInterpreter().setPredictionMode(PredictionMode.LL);
            return parser.file();
        }
    }

    static Span span(SourceFile source, Token token) {
        if (token.getType() == Token.EOF) {
            // Point just past the last thing written, not at an empty line after it.
            String text = source.text();
            int end = text.length();
            while (end > 0 && Character.isWhitespace(text.charAt(end - 1))) {
                end--;
            }
            return new Span(source, end, end);
        }
        return new Span(source, token.getStartIndex(), token.getStopIndex() + 1);
    }
}
