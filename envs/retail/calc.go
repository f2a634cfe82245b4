package retail

import (
	"fmt"
	"strings"
)

// calcAlphabet is the characters tau2's calculate accepts.
const calcAlphabet = "0123456789+-*/(). "

// Calculate is tau2's calculate tool: it evaluates expression as Python's
// eval would and returns str(round(float(result), 2)); an error carries the
// message of the exception Python raises (a SyntaxError as str() shows it).
func Calculate(expression string) (string, error) {
	for _, r := range expression {
		if !strings.ContainsRune(calcAlphabet, r) {
			return "", toolError("Invalid characters in expression")
		}
	}
	// eval strips leading spaces and tabs.
	n, err := parseExpr(strings.TrimLeft(expression, " "))
	if err != nil {
		return "", err
	}
	v, err := n.eval()
	if err != nil {
		return "", err
	}
	if v.k != vInt && v.k != vFloat {
		return "", fmt.Errorf("float() argument must be a string or a real number, not '%s'", v.typeName())
	}
	f, err := v.asFloat()
	if err != nil {
		return "", err
	}
	return floatStr(roundCents(f)), nil
}

// eval evaluates the node left to right, as CPython's bytecode does.
func (n *node) eval() (value, error) {
	switch n.op {
	case opConst:
		return n.val, nil
	case opNeg, opPos:
		x, err := n.x.eval()
		if err != nil {
			return value{}, err
		}
		return unary(n.op, x)
	case opCall:
		return n.call()
	}
	x, err := n.x.eval()
	if err != nil {
		return value{}, err
	}
	y, err := n.y.eval()
	if err != nil {
		return value{}, err
	}
	return binary(n.op, x, y)
}

// call evaluates a call: nothing the calculator builds is callable.
func (n *node) call() (value, error) {
	fn, err := n.x.eval()
	if err != nil {
		return value{}, err
	}
	if n.y != nil {
		arg, err := n.y.eval()
		if err != nil {
			return value{}, err
		}
		if n.star == 2 || n.star == 1 && arg.k != vTuple {
			s, err := fn.str()
			if err != nil {
				return value{}, err
			}
			if n.star == 2 {
				return value{}, fmt.Errorf("%s argument after ** must be a mapping, not %s", s, arg.typeName())
			}
			return value{}, fmt.Errorf("%s argument after * must be an iterable, not %s", s, arg.typeName())
		}
	}
	return value{}, fmt.Errorf("'%s' object is not callable", fn.typeName())
}
