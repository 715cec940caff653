package dev.attnc.compiler.parse;

import dev.attnc.compiler.diag.Messages;
import dev.attnc.grammar.AttnParser;
import org.antlr.v4.runtime.DefaultErrorStrategy;
import org.antlr.v4.runtime.FailedPredicateException;
import org.antlr.v4.runtime.InputMismatchException;
import org.antlr.v4.runtime.NoViableAltException;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.misc.IntervalSet;
import java.util.List;

/**
 * ANTLR's recovery, with messages written for people: "expected `)`, found `mask`" instead
 * of token sets in braces. Recovery itself (skip to a statement start and go on) is ANTLR's.
 */
final class SyntaxErrorStrategy extends DefaultErrorStrategy {

    @Override
    protected void reportNoViableAlternative(Parser parser, NoViableAltException e) {
        parser.notifyErrorListeners(e.getOffendingToken(), Messages.unexpectedToken(describe(e.getOffendingToken())), e);
    }

    @Override
    protected void reportInputMismatch(Parser parser, InputMismatchException e) {
        Token token = e.getOffendingToken();
        parser.notifyErrorListeners(token, atTopLevel(parser) ? Messages.expectedTopLevel(describe(token))
                : Messages.expectedToken(expected(parser, e.getExpectedTokens()), describe(token)), e);
    }

    @Override
    protected void reportFailedPredicate(Parser parser, FailedPredicateException e) {
        parser.notifyErrorListeners(e.getOffendingToken(), Messages.unexpectedToken(describe(e.getOffendingToken())), e);
    }

    @Override
    protected void reportUnwantedToken(Parser parser) {
        if (inErrorRecoveryMode(parser)) {
            return;
        }
        beginErrorCondition(parser);
        Token token = parser.getCurrentToken();
        String message;
        if (atTopLevel(parser)) {
            // Only declarations may stand here; saying which helps more than "unexpected `x`".
            message = Messages.expectedTopLevel(describe(token));
        } else if (token.getType() == Token.EOF) {
            // The file ended inside something: name what closes it, usually a `}`.
            message = Messages.expectedToken(closerOrExpected(parser, getExpectedTokens(parser)), describe(token));
        } else {
            message = Messages.unexpectedToken(describe(token));
        }
        parser.notifyErrorListeners(token, message, null);
    }

    /** Between top-level declarations, where only model, block, attention and const may start. */
    private static boolean atTopLevel(Parser parser) {
        return parser.getContext() instanceof AttnParser.FileContext;
    }

    @Override
    protected void reportMissingToken(Parser parser) {
        if (inErrorRecoveryMode(parser)) {
            return;
        }
        beginErrorCondition(parser);
        Token token = parser.getCurrentToken();
        parser.notifyErrorListeners(token,
                Messages.expectedToken(expected(parser, getExpectedTokens(parser)), describe(token)), null);
    }

    /** A token as the user wrote it, or "end of file". */
    static String describe(Token token) {
        if (token == null || token.getType() == Token.EOF) {
            return "end of file";
        }
        String text = token.getText();
        if (text.length() > 24) {
            text = text.substring(0, 21) + "...";
        }
        return "`" + text + "`";
    }

    /** At the end of the file: the brackets that would close what is open, if any may. */
    private static String closerOrExpected(Parser parser, IntervalSet set) {
        List<String> closers = set == null ? List.of() : closers(spelled(parser, set));
        return closers.isEmpty() ? expected(parser, set) : String.join(" or ", closers);
    }

    private static List<String> closers(List<String> names) {
        return names.stream().filter(n -> n.equals("`)`") || n.equals("`]`") || n.equals("`}`")).toList();
    }

    /** The expected tokens, spelled as in source; a long list becomes a kind of thing. */
    private static String expected(Parser parser, IntervalSet set) {
        if (set == null || set.isNil()) {
            return "something else";
        }
        List<String> names = spelled(parser, set);
        if (names.size() > 4) {
            // A long list means "anything that continues here"; name what most likely ends it.
            if (names.contains("a number")) {
                return "an expression";
            }
            List<String> closers = closers(names);
            if (!closers.isEmpty()) {
                return String.join(" or ", closers);
            }
            return "a statement";
        }
        if (names.size() == 1) {
            return names.get(0);
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
    }

    /** Each token of a set as the user would write it: `)`, a name, end of file. */
    private static List<String> spelled(Parser parser, IntervalSet set) {
        var vocabulary = parser.getVocabulary();
        var names = new java.util.ArrayList<String>();
        for (int type : set.toArray()) {
            if (type == Token.EOF) {
                names.add("end of file");
                continue;
            }
            String literal = vocabulary.getLiteralName(type);
            if (literal != null) {
                names.add("`" + literal.substring(1, literal.length() - 1) + "`");
            } else {
                names.add(switch (vocabulary.getSymbolicName(type)) {
                    case "ID" -> "a name";
                    case "NUMBER" -> "a number";
                    case "STRING" -> "a string";
                    default -> vocabulary.getDisplayName(type);
                });
            }
        }
        return names;
    }
}
