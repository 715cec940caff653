package dev.attnc.compiler.parse;

import dev.attnc.compiler.check.Suggest;
import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.Messages;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.grammar.AttnLexer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.antlr.v4.runtime.CommonToken;
import org.antlr.v4.runtime.Token;

/**
 * Mistakes people make from other languages, reported once and repaired in the token stream
 * so that the parse goes on and the rest of the file is checked in the same run (as a curly
 * quote is): {@code and}, {@code or} and {@code not} written for {@code &&}, {@code ||} and
 * {@code !}, and a misspelt {@code attention} before a block of clauses, which would
 * otherwise cost a cascade of syntax errors and hide every other mistake.
 */
final class TokenRepairs {
    private static final Map<String, String> WORD_OPERATORS = Map.of("and", "&&", "or", "||", "not", "!");
    /** Clause names after which {@code not} starts the clause's condition ({@code mask not causal}). */
    private static final Set<String> CLAUSE_KEYS = Set.of("mask", "score");

    private final SourceFile source;
    private final Diagnostics diagnostics;

    private TokenRepairs(SourceFile source, Diagnostics diagnostics) {
        this.source = source;
        this.diagnostics = diagnostics;
    }

    /** The tokens with every repair made, each reported as an error. */
    static List<Token> repair(SourceFile source, List<Token> tokens, Diagnostics diagnostics) {
        TokenRepairs repairs = new TokenRepairs(source, diagnostics);
        return repairs.wordOperators(repairs.clauseBlocksAfterCalls(tokens));
    }

    /**
     * A {@code { ... }} after {@code name(...)} in an expression: only {@code attention(...)}
     * takes clauses. A name close to {@code attention} becomes it; any other call loses the
     * block (its clauses could only be checked as an attention's).
     */
    private List<Token> clauseBlocksAfterCalls(List<Token> tokens) {
        List<Token> out = new ArrayList<>(tokens.size());
        Deque<Integer> openParens = new ArrayDeque<>(); // index in out of the callee before each `(`, or -1
        int depth = 0;
        int repeatDepth = -1; // the bracket depth of a `repeat` whose body has not opened yet
        int lastClosedCallee = -1;
        for (int index = 0; index < tokens.size(); index++) {
            Token token = tokens.get(index);
            String text = token.getText();
            Token previous = out.isEmpty() ? null : out.get(out.size() - 1);
            if (isLiteral(token, "repeat")) {
                repeatDepth = depth;
            }
            switch (text) {
                case "(" -> {
                    boolean call = previous != null && previous.getType() == AttnLexer.ID
                            && !(out.size() >= 2 && isLiteral(out.get(out.size() - 2), "block"));
                    openParens.push(call ? out.size() - 1 : -1);
                    depth++;
                }
                case ")" -> {
                    lastClosedCallee = openParens.isEmpty() ? -1 : openParens.pop();
                    depth = Math.max(0, depth - 1);
                }
                case "{" -> {
                    boolean repeatBody = repeatDepth == depth;
                    if (repeatBody) {
                        repeatDepth = -1;
                    }
                    if (!repeatBody && previous != null && previous.getText().equals(")") && lastClosedCallee >= 0) {
                        Token callee = out.get(lastClosedCallee);
                        String name = callee.getText();
                        if (Suggest.closest(name, List.of("attention")) != null) {
                            diagnostics.error(SourceParser.span(source, callee), Messages.misspeltAttention(name));
                            CommonToken fixed = new CommonToken(callee);
                            fixed.setType(literalType("attention"));
                            fixed.setText("attention");
                            out.set(lastClosedCallee, fixed);
                        } else {
                            int end = matchingBrace(tokens, index);
                            diagnostics.error(SourceParser.span(source, token), Messages.clausesAfterCall(name));
                            index = end;
                            continue;
                        }
                    }
                    depth++;
                }
                case "[" -> depth++;
                case "]", "}" -> depth = Math.max(0, depth - 1);
                default -> {
                }
            }
            if (!text.equals(")")) {
                lastClosedCallee = -1;
            }
            out.add(token);
        }
        return out;
    }

    /** The index of the `}` closing the `{` at {@code open}, or of the last token (end of file) if none does. */
    private static int matchingBrace(List<Token> tokens, int open) {
        int depth = 0;
        for (int index = open; index < tokens.size(); index++) {
            String text = tokens.get(index).getText();
            if (text.equals("{")) {
                depth++;
            } else if (text.equals("}") && --depth == 0) {
                return index;
            }
            if (tokens.get(index).getType() == Token.EOF) {
                return index - 1;
            }
        }
        return tokens.size() - 2;
    }

    /**
     * {@code a and b}, {@code a or b}, {@code not a}: only where the word cannot be a name
     * (between two operands, or before one where no operand ends), so a tensor named {@code or}
     * is still a tensor.
     */
    private List<Token> wordOperators(List<Token> tokens) {
        List<Token> out = new ArrayList<>(tokens);
        for (int index = 1; index + 1 < out.size(); index++) {
            Token token = out.get(index);
            String replacement = WORD_OPERATORS.get(token.getText());
            if (token.getType() != AttnLexer.ID || replacement == null) {
                continue;
            }
            Token before = out.get(index - 1);
            Token after = out.get(index + 1);
            if (!startsOperand(after)) {
                continue;
            }
            boolean fits = token.getText().equals("not")
                    ? !endsOperand(before) || before.getType() == AttnLexer.ID && CLAUSE_KEYS.contains(before.getText())
                    : endsOperand(before);
            if (!fits) {
                continue;
            }
            diagnostics.error(SourceParser.span(source, token), Messages.wordOperator(token.getText(), replacement));
            CommonToken fixed = new CommonToken(token);
            fixed.setType(literalType(replacement));
            fixed.setText(replacement);
            out.set(index, fixed);
        }
        return out;
    }

    private static boolean endsOperand(Token token) {
        int type = token.getType();
        String text = token.getText();
        return type == AttnLexer.ID || type == AttnLexer.NUMBER || type == AttnLexer.STRING
                || text.equals(")") || text.equals("]") || text.equals("true") || text.equals("false");
    }

    private static boolean startsOperand(Token token) {
        int type = token.getType();
        String text = token.getText();
        return type == AttnLexer.ID || type == AttnLexer.NUMBER || text.equals("(") || text.equals("!") || text.equals("-")
                || text.equals("true") || text.equals("false") || isLiteral(token, "attention");
    }

    private static final Map<String, Integer> LITERAL_TYPES = new java.util.concurrent.ConcurrentHashMap<>();

    private static boolean isLiteral(Token token, String literal) {
        return token.getType() == literalType(literal);
    }

    /** The token type of a literal of the grammar, such as {@code '&&'}; looked up, since the numbering follows the grammar. */
    private static int literalType(String literal) {
        return LITERAL_TYPES.computeIfAbsent(literal, TokenRepairs::lookUpLiteral);
    }

    private static int lookUpLiteral(String literal) {
        var vocabulary = AttnLexer.VOCABULARY;
        for (int type = 1; type <= vocabulary.getMaxTokenType(); type++) {
            if (("'" + literal + "'").equals(vocabulary.getLiteralName(type))) {
                return type;
            }
        }
        return Token.INVALID_TYPE;
    }
}
