package checker

import (
	"errors"
	"fmt"
	"reflect"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// MaxSourceBytes bounds the size of a checker's source.
const MaxSourceBytes = 512 << 10

// ErrCompile marks every error Compile returns.
var ErrCompile = errors.New("checker does not compile")

// Names of the guarded operations the compiler rewrites into calls.
const (
	mulName    = "__mul"    // x * y and x *= y
	modName    = "__mod"    // x % y and x %= y
	methodName = "__method" // s.join(...), s.replace(...), s.format(...)
)

// guardedMethod reports whether a string method's output can be far
// larger than its inputs.
func guardedMethod(name string) bool { return name == "join" || name == "replace" || name == "format" }

// Program is a compiled checker. It is immutable and safe for concurrent
// use: every Check runs in its own thread with fresh globals.
type Program struct {
	name        string
	src         string
	prog        *starlark.Program
	predeclared starlark.StringDict
}

// Name returns the name the program was compiled under.
func (p *Program) Name() string { return p.name }

// Source returns the program's source text.
func (p *Program) Source() string { return p.src }

// Compile parses and compiles a checker. The source must define a
// top-level function check(state, transcript); load statements are
// rejected, as are references to names that are neither defined by the
// program nor among the builtins (Builtins). while loops, sets and
// top-level control flow are allowed; recursion is not.
func Compile(name, src string) (*Program, error) {
	if len(src) > MaxSourceBytes {
		return nil, fmt.Errorf("%w: %s: source is %d bytes, over the %d-byte limit", ErrCompile, name, len(src), MaxSourceBytes)
	}
	opts := &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true}
	f, err := opts.Parse(name, src, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: syntax error: %w", ErrCompile, name, err)
	}
	hasCheck := false
	for _, st := range f.Stmts {
		switch s := st.(type) {
		case *syntax.LoadStmt:
			return nil, fmt.Errorf("%w: %s: load() is not allowed in checkers", ErrCompile, name)
		case *syntax.DefStmt:
			if s.Name.Name != "check" {
				continue
			}
			if err := checkParams(s); err != nil {
				return nil, fmt.Errorf("%w: %s: %w", ErrCompile, name, err)
			}
			hasCheck = true
		}
	}
	if !hasCheck {
		return nil, fmt.Errorf("%w: %s: no top-level def check(state, transcript)", ErrCompile, name)
	}
	rewrite(reflect.ValueOf(f))
	pre := builtins()
	prog, err := starlark.FileProgram(f, pre.Has)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCompile, name, err)
	}
	return &Program{name: name, src: src, prog: prog, predeclared: pre}, nil
}

// checkParams requires check to take exactly two plain parameters.
func checkParams(s *syntax.DefStmt) error {
	if len(s.Params) != 2 {
		return fmt.Errorf("check must take exactly two parameters (state, transcript), has %d", len(s.Params))
	}
	for _, p := range s.Params {
		if _, ok := p.(*syntax.Ident); !ok {
			return fmt.Errorf("check's parameters must be plain names (state, transcript)")
		}
	}
	return nil
}

// rewrite walks the syntax tree (by reflection, so that every node kind is
// covered) and replaces the operations that can build a huge value in a
// single step with calls to guarded builtins:
//
//	x * y      -> __mul(x, y)        x *= y -> x = __mul(x, y)
//	x % y      -> __mod(x, y)        x %= y -> x = __mod(x, y)
//	s.join(a)  -> __method(s, "join", a)   (and replace, format)
func rewrite(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			rewrite(v.Elem())
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			rewriteSlot(v.Index(i))
		}
	case reflect.Struct:
		if v.CanAddr() {
			if as, ok := v.Addr().Interface().(*syntax.AssignStmt); ok {
				switch as.Op {
				case syntax.STAR_EQ:
					as.Op, as.RHS = syntax.EQ, guardCall(mulName, as.LHS, as.RHS)
				case syntax.PERCENT_EQ:
					as.Op, as.RHS = syntax.EQ, guardCall(modName, as.LHS, as.RHS)
				}
			}
		}
		t := v.Type()
		for i := 0; i < v.NumField(); i++ {
			if t.Field(i).IsExported() {
				rewriteSlot(v.Field(i))
			}
		}
	}
}

// rewriteSlot rewrites the subtree in a settable slot, replacing the slot's
// own expression when it is a guarded operation.
func rewriteSlot(f reflect.Value) {
	if f.Type() != reflect.TypeFor[syntax.Expr]() || f.IsNil() {
		rewrite(f)
		return
	}
	switch e := f.Interface().(type) {
	case *syntax.BinaryExpr:
		if e.Op == syntax.STAR || e.Op == syntax.PERCENT {
			rewrite(reflect.ValueOf(e))
			name := mulName
			if e.Op == syntax.PERCENT {
				name = modName
			}
			f.Set(reflect.ValueOf(guardCall(name, e.X, e.Y)))
			return
		}
	case *syntax.CallExpr:
		if dot, ok := e.Fn.(*syntax.DotExpr); ok && guardedMethod(dot.Name.Name) {
			rewrite(reflect.ValueOf(e))
			start, _ := dot.Span()
			lit := &syntax.Literal{Token: syntax.STRING, TokenPos: dot.NamePos, Raw: fmt.Sprintf("%q", dot.Name.Name), Value: dot.Name.Name}
			args := append([]syntax.Expr{dot.X, lit}, e.Args...)
			f.Set(reflect.ValueOf(&syntax.CallExpr{Fn: &syntax.Ident{NamePos: start, Name: methodName}, Lparen: e.Lparen, Args: args, Rparen: e.Rparen}))
			return
		}
	}
	rewrite(f)
}

func guardCall(name string, x, y syntax.Expr) syntax.Expr {
	start, _ := x.Span()
	_, end := y.Span()
	return &syntax.CallExpr{Fn: &syntax.Ident{NamePos: start, Name: name}, Lparen: start, Args: []syntax.Expr{x, y}, Rparen: end}
}
