package retail

import "fmt"

// The calculate tool evaluates its expression with Python's eval after
// checking that it only uses the characters "0123456789+-*/(). ". This file
// and the next reproduce CPython 3.11's tokenizer and parser for that
// alphabet, including which syntax error is reported.

// tokKind is the kind of a Python token the alphabet can form.
type tokKind uint8

const (
	tkEnd tokKind = iota // NEWLINE / ENDMARKER
	tkNum
	tkEllipsis
	tkDot
	tkPlus
	tkMinus
	tkStar
	tkDStar
	tkSlash
	tkDSlash
	tkLPar
	tkRPar
	tkErr // a raised error stands in the way
)

// token is one token with the parenthesis level after it, as pegen records.
type token struct {
	kind  tokKind
	text  string
	level int
}

// syntaxError is a SyntaxError as str() shows it for eval'd source.
func syntaxError(msg string) error { return toolError(msg + " (<string>, line 1)") }

// unclosedError is the tokenizer's error for end of input inside
// parentheses; a full-source check after a parser error ignores it.
type unclosedError struct{}

func (unclosedError) Error() string { return "'(' was never closed (<string>, line 1)" }

// maxParenLevel is CPython's MAXLEVEL.
const maxParenLevel = 200

// lexer is CPython's tokenizer restricted to the calculator's alphabet.
type lexer struct {
	src   string
	pos   int
	level int
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (l *lexer) at(i int) byte {
	if i < len(l.src) {
		return l.src[i]
	}
	return 0
}

func (l *lexer) digits() {
	for isDigit(l.at(l.pos)) {
		l.pos++
	}
}

// next returns the next token or the error the tokenizer raises there.
func (l *lexer) next() (token, error) {
	for l.at(l.pos) == ' ' {
		l.pos++
	}
	start := l.pos
	if l.pos >= len(l.src) {
		if l.level > 0 {
			return token{}, unclosedError{}
		}
		return token{kind: tkEnd, level: l.level}, nil
	}
	tok := func(k tokKind, n int) (token, error) {
		l.pos += n
		return token{kind: k, text: l.src[start:l.pos], level: l.level}, nil
	}
	c := l.src[l.pos]
	switch {
	case c == '.' && isDigit(l.at(l.pos+1)):
		l.pos++
		l.digits()
		return tok(tkNum, 0)
	case c == '.':
		if l.at(l.pos+1) == '.' && l.at(l.pos+2) == '.' {
			return tok(tkEllipsis, 3)
		}
		return tok(tkDot, 1)
	case isDigit(c):
		return l.number()
	case c == '+':
		return tok(tkPlus, 1)
	case c == '-':
		return tok(tkMinus, 1)
	case c == '*':
		if l.at(l.pos+1) == '*' {
			return tok(tkDStar, 2)
		}
		return tok(tkStar, 1)
	case c == '/':
		if l.at(l.pos+1) == '/' {
			return tok(tkDSlash, 2)
		}
		return tok(tkSlash, 1)
	case c == '(':
		if l.level >= maxParenLevel {
			return token{}, syntaxError("too many nested parentheses")
		}
		l.level++
		return tok(tkLPar, 1)
	case c == ')':
		if l.level == 0 {
			return token{}, syntaxError("unmatched ')'")
		}
		l.level--
		return tok(tkRPar, 1)
	}
	return token{}, fmt.Errorf("calculate: unexpected character %q", c)
}

// number scans a decimal integer or float literal.
func (l *lexer) number() (token, error) {
	start := l.pos
	if l.src[l.pos] == '0' {
		for l.at(l.pos) == '0' {
			l.pos++
		}
		nonzero := isDigit(l.at(l.pos))
		l.digits()
		if l.at(l.pos) == '.' {
			l.pos++
			l.digits()
		} else if nonzero {
			return token{}, syntaxError("leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers")
		}
	} else {
		l.digits()
		if l.at(l.pos) == '.' {
			l.pos++
			l.digits()
		}
	}
	return token{kind: tkNum, text: l.src[start:l.pos], level: l.level}, nil
}
