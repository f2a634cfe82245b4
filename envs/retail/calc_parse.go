package retail

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// nodeOp is the operation of an expression node.
type nodeOp uint8

const (
	opConst nodeOp = iota
	opNeg
	opPos
	opAdd
	opSub
	opMul
	opDiv
	opFloorDiv
	opPow
	opCall
)

// node is a parsed expression. A call has the callee in x and its single
// argument (nil when none) in y, unpacked with * (star 1) or ** (star 2).
type node struct {
	op    nodeOp
	val   value
	x, y  *node
	star  int
	depth int
}

func newNode(op nodeOp, x, y *node) *node {
	n := &node{op: op, x: x, y: y, depth: 1}
	for _, c := range []*node{x, y} {
		if c != nil && c.depth+1 > n.depth {
			n.depth = c.depth + 1
		}
	}
	return n
}

// maxIntDigits is CPython's default int_max_str_digits.
const maxIntDigits = 4300

// maxCompileDepth approximates the expression depth at which CPython's
// compiler gives up ("maximum recursion depth exceeded during compilation");
// the exact limit depends on the caller's stack.
const maxCompileDepth = 2900

type memoKey struct {
	pos     int
	invalid bool
	rule    uint8
}

type memoVal struct {
	n   *node
	end int
}

// parser is a PEG parser over the calculator's subset of CPython's
// grammar, with CPython's two passes: the second enables the invalid_*
// rules that raise specific syntax errors.
type parser struct {
	lx      lexer
	toks    []token
	pos     int
	invalid bool
	err     error // raised error: parsing stops
	lexErr  bool  // err came from the tokenizer
	memo    map[memoKey]memoVal
}

// parseExpr parses eval input (already stripped of leading spaces).
func parseExpr(src string) (*node, error) {
	if src == "" {
		return nil, toolError("invalid syntax (<string>, line 0)")
	}
	p := &parser{lx: lexer{src: src}, memo: map[memoKey]memoVal{}}
	if n := p.top(); n != nil && p.err == nil {
		if n.depth > maxCompileDepth {
			return nil, toolError("maximum recursion depth exceeded during compilation")
		}
		return n, nil
	}
	if p.err == nil {
		p.pos, p.invalid, p.memo = 0, true, map[memoKey]memoVal{}
		p.top()
	}
	if p.lexErr {
		return nil, p.err
	}
	err := p.err
	if err == nil {
		err = syntaxError("invalid syntax")
	}
	// CPython then tokenizes the rest of the source: a tokenizer error there
	// (other than end of input inside parentheses) replaces the parser's.
	for {
		t, lerr := p.lx.next()
		if lerr != nil {
			if _, ok := lerr.(unclosedError); ok {
				return nil, err
			}
			return nil, lerr
		}
		if t.kind == tkEnd {
			return nil, err
		}
	}
}

// peekAt returns the kind of token i, fetching tokens as needed; tkErr once
// an error is raised.
func (p *parser) peekAt(i int) tokKind {
	if p.err != nil {
		return tkErr
	}
	for len(p.toks) <= i {
		t, err := p.lx.next()
		if err != nil {
			p.err, p.lexErr = err, true
			return tkErr
		}
		p.toks = append(p.toks, t)
	}
	return p.toks[i].kind
}

func (p *parser) peek() tokKind { return p.peekAt(p.pos) }

// top is eval_input: expressions NEWLINE* ENDMARKER.
func (p *parser) top() *node {
	e := p.expression()
	if e == nil || p.peek() != tkEnd {
		return nil
	}
	return e
}

func (p *parser) memoized(rule uint8, f func() *node) *node {
	k := memoKey{p.pos, p.invalid, rule}
	if v, ok := p.memo[k]; ok {
		p.pos = v.end
		return v.n
	}
	n := f()
	if p.err != nil {
		return nil
	}
	p.memo[k] = memoVal{n, p.pos}
	return n
}

// expression is disjunction, preceded in the second pass by
// invalid_expression: two expressions in a row inside brackets.
func (p *parser) expression() *node {
	return p.memoized(0, func() *node {
		if p.invalid {
			m := p.pos
			if a := p.sum(); a != nil {
				p.invalid = false
				b := p.sum()
				p.invalid = true
				if b != nil && p.toks[p.pos-1].level > 0 {
					p.err = syntaxError("invalid syntax. Perhaps you forgot a comma?")
				}
			}
			if p.err != nil {
				return nil
			}
			p.pos = m
		}
		return p.sum()
	})
}

// binaryLoop parses operand (op operand)* left-associatively.
func (p *parser) binaryLoop(operand func() *node, ops map[tokKind]nodeOp) *node {
	left := operand()
	for left != nil {
		op, ok := ops[p.peek()]
		if !ok {
			break
		}
		m := p.pos
		p.pos++
		right := operand()
		if right == nil {
			p.pos = m
			break
		}
		left = newNode(op, left, right)
	}
	if p.err != nil {
		return nil
	}
	return left
}

// sum is term (('+'|'-') term)*.
func (p *parser) sum() *node {
	return p.memoized(1, func() *node {
		return p.binaryLoop(p.term, map[tokKind]nodeOp{tkPlus: opAdd, tkMinus: opSub})
	})
}

// term is factor (('*'|'/'|'//') factor)*.
func (p *parser) term() *node {
	return p.binaryLoop(p.factor, map[tokKind]nodeOp{tkStar: opMul, tkSlash: opDiv, tkDSlash: opFloorDiv})
}

// factor is ('+'|'-') factor | power.
func (p *parser) factor() *node {
	return p.memoized(2, func() *node {
		if k := p.peek(); k == tkPlus || k == tkMinus {
			m := p.pos
			p.pos++
			f := p.factor()
			if f == nil {
				p.pos = m
				return nil
			}
			op := opNeg
			if k == tkPlus {
				op = opPos
			}
			return newNode(op, f, nil)
		}
		return p.power()
	})
}

// power is primary ['**' factor].
func (p *parser) power() *node {
	a := p.primary()
	if a == nil || p.peek() != tkDStar {
		return a
	}
	m := p.pos
	p.pos++
	if f := p.factor(); f != nil {
		return newNode(opPow, a, f)
	}
	p.pos = m
	if p.err != nil {
		return nil
	}
	return a
}

// primary is atom followed by calls; '.' must be followed by a NAME, which
// the alphabet cannot form, but CPython fetches the token to check.
func (p *parser) primary() *node {
	a := p.atom()
	for a != nil {
		switch p.peek() {
		case tkDot:
			p.peekAt(p.pos + 1)
			return p.ok(a)
		case tkLPar:
			m := p.pos
			p.pos++
			if p.peek() == tkRPar {
				p.pos++
				a = newNode(opCall, a, nil)
				continue
			}
			arg, star := p.arguments()
			if arg != nil && p.peek() == tkRPar {
				p.pos++
				a = newNode(opCall, a, arg)
				a.star = star
				continue
			}
			p.pos = m
			return p.ok(a)
		default:
			return p.ok(a)
		}
	}
	return nil
}

// ok returns n unless an error was raised.
func (p *parser) ok(n *node) *node {
	if p.err != nil {
		return nil
	}
	return n
}

// arguments is one call argument: expression, '*' expression or '**'
// expression, followed by ')'.
func (p *parser) arguments() (*node, int) {
	star := 0
	switch p.peek() {
	case tkStar:
		star = 1
	case tkDStar:
		star = 2
	}
	m := p.pos
	if star > 0 {
		p.pos++
	}
	e := p.expression()
	if e == nil {
		p.pos = m
		return nil, 0
	}
	return e, star
}

// atom is a number, '...', or a parenthesized tuple or group.
func (p *parser) atom() *node {
	switch p.peek() {
	case tkNum:
		t := p.toks[p.pos]
		p.pos++
		v, err := literal(t.text)
		if err != nil {
			p.err = err
			return nil
		}
		return &node{op: opConst, val: v, depth: 1}
	case tkEllipsis:
		p.pos++
		return &node{op: opConst, val: value{k: vEllipsis}, depth: 1}
	case tkLPar:
		return p.paren()
	}
	return nil
}

// paren is tuple | group | invalid_group (second pass).
func (p *parser) paren() *node {
	m := p.pos
	p.pos++
	// tuple: '(' [star_named_expression ',' ...] ')'
	if p.peek() == tkStar {
		p.pos++
		if p.sum() != nil {
			p.peek() // the ',' it needs
		}
	} else if p.expression() != nil {
		p.peek()
	}
	p.pos = m + 1
	if p.peek() == tkRPar {
		p.pos++
		return &node{op: opConst, val: value{k: vTuple}, depth: 1}
	}
	// group: '(' named_expression ')'
	if e := p.expression(); e != nil && p.peek() == tkRPar {
		p.pos++
		return e
	}
	if p.invalid {
		for _, c := range []struct {
			k   tokKind
			msg string
		}{{tkStar, "cannot use starred expression here"}, {tkDStar, "cannot use double starred expression here"}} {
			p.pos = m + 1
			if p.peek() != c.k {
				continue
			}
			p.pos++
			if p.expression() != nil && p.peek() == tkRPar {
				p.err = syntaxError(c.msg)
			}
		}
	}
	p.pos = m
	return nil
}

// literal converts a number token as CPython's parser does.
func literal(text string) (value, error) {
	if strings.Contains(text, ".") {
		f, _ := strconv.ParseFloat(text, 64) // overflow gives ±Inf, as in Python
		return value{k: vFloat, f: f}, nil
	}
	if d := len(strings.TrimLeft(text, "0")); d > maxIntDigits {
		return value{}, syntaxError(fmt.Sprintf("Exceeds the limit (%d digits) for integer string conversion: value has %d digits; use sys.set_int_max_str_digits() to increase the limit - Consider hexadecimal for huge integer literals to avoid decimal conversion limits.", maxIntDigits, d))
	}
	i, _ := new(big.Int).SetString(text, 10)
	return value{k: vInt, i: i}, nil
}
