package retail

import (
	"fmt"
	"math"
	"math/big"
	"math/cmplx"
	"strings"
)

// vkind is the Python type of a calculator value.
type vkind uint8

const (
	vInt vkind = iota
	vFloat
	vComplex
	vTuple    // only the empty tuple can be written
	vEllipsis // ...
)

// value is a Python object the calculator can produce.
type value struct {
	k vkind
	i *big.Int
	f float64
	c complex128
}

// maxIntBits bounds the integers the calculator builds; CPython would keep
// computing (for minutes or hours) where this reports the overflow that
// converting such an int to float raises.
const maxIntBits = 1 << 22

const (
	errIntTooLarge = toolError("int too large to convert to float")
	errFloatRange  = toolError("(34, 'Numerical result out of range')")
	errZeroNegPow  = toolError("0.0 cannot be raised to a negative power")
)

func (v value) typeName() string {
	return [...]string{"int", "float", "complex", "tuple", "ellipsis"}[v.k]
}

func (v value) isNumber() bool { return v.k <= vComplex }

func intVal(i *big.Int) (value, error) {
	if i.BitLen() > maxIntBits {
		return value{}, errIntTooLarge
	}
	return value{k: vInt, i: i}, nil
}

func floatVal(f float64) value      { return value{k: vFloat, f: f} }
func complexVal(c complex128) value { return value{k: vComplex, c: c} }

// asFloat converts an int or float as CPython's PyFloat_AsDouble does.
func (v value) asFloat() (float64, error) {
	if v.k == vFloat {
		return v.f, nil
	}
	f, _ := new(big.Float).SetInt(v.i).Float64()
	if math.IsInf(f, 0) {
		return 0, errIntTooLarge
	}
	return f, nil
}

// asComplex converts a number to complex.
func (v value) asComplex() (complex128, error) {
	if v.k == vComplex {
		return v.c, nil
	}
	f, err := v.asFloat()
	return complex(f, 0), err
}

// str is Python's str() of the value.
func (v value) str() (string, error) {
	switch v.k {
	case vInt:
		s := v.i.String()
		if len(strings.TrimPrefix(s, "-")) > maxIntDigits {
			return "", toolError(fmt.Sprintf("Exceeds the limit (%d digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit", maxIntDigits))
		}
		return s, nil
	case vFloat:
		return floatStr(v.f), nil
	case vComplex:
		return complexRepr(v.c), nil
	case vTuple:
		return "()", nil
	}
	return "Ellipsis", nil
}

// floatStr is Python's repr of a float, inf and nan included.
func floatStr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return pyFloatRepr(f)
}

// complexRepr is Python's repr of a complex.
func complexRepr(c complex128) string {
	part := func(f float64) string { return strings.TrimSuffix(floatStr(f), ".0") }
	re, im := real(c), imag(c)
	if re == 0 && !math.Signbit(re) {
		return part(im) + "j"
	}
	sign := "+"
	if math.Signbit(im) && !math.IsNaN(im) {
		sign = ""
	}
	return "(" + part(re) + sign + part(im) + "j)"
}

// symbol is how CPython names a binary operator in TypeErrors.
func (op nodeOp) symbol() string {
	switch op {
	case opAdd:
		return "+"
	case opSub:
		return "-"
	case opMul:
		return "*"
	case opDiv:
		return "/"
	case opFloorDiv:
		return "//"
	}
	return "** or pow()"
}

func unsupported(op nodeOp, a, b value) error {
	return fmt.Errorf("unsupported operand type(s) for %s: '%s' and '%s'", op.symbol(), a.typeName(), b.typeName())
}

// binary applies a binary operator with CPython's semantics.
func binary(op nodeOp, a, b value) (value, error) {
	if a.isNumber() && b.isNumber() {
		switch {
		case a.k == vComplex || b.k == vComplex:
			return complexOp(op, a, b)
		case a.k == vFloat || b.k == vFloat:
			x, err := a.asFloat()
			if err != nil {
				return value{}, err
			}
			y, err := b.asFloat()
			if err != nil {
				return value{}, err
			}
			return floatOp(op, x, y)
		}
		return intOp(op, a.i, b.i)
	}
	switch {
	case op == opAdd && a.k == vTuple:
		if b.k == vTuple {
			return a, nil
		}
		return value{}, fmt.Errorf("can only concatenate tuple (not \"%s\") to tuple", b.typeName())
	case op == opMul && a.k == vTuple:
		return repeat(a, b)
	case op == opMul && b.k == vTuple:
		return repeat(b, a)
	}
	return value{}, unsupported(op, a, b)
}

// repeat is sequence repetition of the empty tuple.
func repeat(seq, n value) (value, error) {
	if n.k != vInt {
		return value{}, fmt.Errorf("can't multiply sequence by non-int of type '%s'", n.typeName())
	}
	if !n.i.IsInt64() {
		return value{}, fmt.Errorf("cannot fit 'int' into an index-sized integer")
	}
	return seq, nil
}

func intOp(op nodeOp, a, b *big.Int) (value, error) {
	switch op {
	case opAdd:
		return intVal(new(big.Int).Add(a, b))
	case opSub:
		return intVal(new(big.Int).Sub(a, b))
	case opMul:
		if a.BitLen()+b.BitLen() > maxIntBits+1 && a.Sign() != 0 && b.Sign() != 0 {
			return value{}, errIntTooLarge
		}
		return intVal(new(big.Int).Mul(a, b))
	case opDiv:
		if b.Sign() == 0 {
			return value{}, toolError("division by zero")
		}
		f, _ := new(big.Rat).SetFrac(a, b).Float64()
		if math.IsInf(f, 0) {
			return value{}, toolError("integer division result too large for a float")
		}
		if f == 0 && (a.Sign() < 0) != (b.Sign() < 0) {
			f = math.Copysign(0, -1) // Python keeps the sign of a zero quotient
		}
		return floatVal(f), nil
	case opFloorDiv:
		if b.Sign() == 0 {
			return value{}, toolError("integer division or modulo by zero")
		}
		q, r := new(big.Int).QuoRem(a, b, new(big.Int))
		if r.Sign() != 0 && r.Sign() != b.Sign() {
			q.Sub(q, big.NewInt(1))
		}
		return intVal(q)
	}
	return intPow(a, b)
}

// intPow is int ** int: exact for a non-negative exponent, else float pow.
func intPow(a, b *big.Int) (value, error) {
	if b.Sign() < 0 {
		x, err := value{k: vInt, i: a}.asFloat()
		if err != nil {
			return value{}, err
		}
		y, err := value{k: vInt, i: b}.asFloat()
		if err != nil {
			return value{}, err
		}
		return floatPow(x, y)
	}
	if a.CmpAbs(big.NewInt(1)) <= 0 { // 0, 1 and -1 stay small
		r := big.NewInt(1)
		switch {
		case a.Sign() == 0 && b.Sign() > 0:
			r.SetInt64(0)
		case a.Sign() < 0 && b.Bit(0) == 1:
			r.SetInt64(-1)
		}
		return intVal(r)
	}
	if !b.IsInt64() || b.Int64() > maxIntBits || int64(a.BitLen()-1)*b.Int64() > maxIntBits {
		return value{}, errIntTooLarge
	}
	return intVal(new(big.Int).Exp(a, b, nil))
}

func floatOp(op nodeOp, x, y float64) (value, error) {
	switch op {
	case opAdd:
		return floatVal(x + y), nil
	case opSub:
		return floatVal(x - y), nil
	case opMul:
		return floatVal(x * y), nil
	case opDiv:
		if y == 0 {
			return value{}, toolError("float division by zero")
		}
		return floatVal(x / y), nil
	case opFloorDiv:
		if y == 0 {
			return value{}, toolError("float floor division by zero")
		}
		return floatVal(floorDiv(x, y)), nil
	}
	return floatPow(x, y)
}

// floorDiv is CPython's float floor division (_float_div_mod).
func floorDiv(vx, wx float64) float64 {
	mod := math.Mod(vx, wx)
	div := (vx - mod) / wx
	if mod != 0 {
		if (wx < 0) != (mod < 0) {
			div -= 1.0
		}
	}
	if div == 0 {
		return math.Copysign(0, vx/wx)
	}
	fd := math.Floor(div)
	if div-fd > 0.5 {
		fd += 1.0
	}
	return fd
}

func isOddInteger(f float64) bool { return math.Mod(math.Abs(f), 2) == 1 }

// floatPow is CPython's float_pow.
func floatPow(iv, iw float64) (value, error) {
	switch {
	case iw == 0:
		return floatVal(1), nil
	case math.IsNaN(iv):
		return floatVal(iv), nil
	case math.IsNaN(iw):
		if iv == 1 {
			return floatVal(1), nil
		}
		return floatVal(iw), nil
	case math.IsInf(iw, 0):
		av := math.Abs(iv)
		switch {
		case av == 1:
			return floatVal(1), nil
		case (iw > 0) == (av > 1):
			return floatVal(math.Abs(iw)), nil
		}
		return floatVal(0), nil
	case math.IsInf(iv, 0):
		odd := isOddInteger(iw)
		if iw > 0 {
			if odd {
				return floatVal(iv), nil
			}
			return floatVal(math.Abs(iv)), nil
		}
		if odd {
			return floatVal(math.Copysign(0, iv)), nil
		}
		return floatVal(0), nil
	case iv == 0:
		if iw < 0 {
			return value{}, errZeroNegPow
		}
		if isOddInteger(iw) {
			return floatVal(iv), nil
		}
		return floatVal(0), nil
	}
	negate := false
	if iv < 0 {
		if iw != math.Floor(iw) {
			// Negative numbers raised to fractional powers become complex.
			return complexPow(complex(iv, 0), complex(iw, 0))
		}
		iv = -iv
		negate = isOddInteger(iw)
	}
	if iv == 1 {
		if negate {
			return floatVal(-1), nil
		}
		return floatVal(1), nil
	}
	r := powFloat(iv, iw)
	if math.IsInf(r, 0) {
		return value{}, errFloatRange
	}
	if negate {
		r = -r
	}
	return floatVal(r), nil
}

func complexOp(op nodeOp, a, b value) (value, error) {
	x, err := a.asComplex()
	if err != nil {
		return value{}, err
	}
	y, err := b.asComplex()
	if err != nil {
		return value{}, err
	}
	switch op {
	case opAdd:
		return complexVal(complex(real(x)+real(y), imag(x)+imag(y))), nil
	case opSub:
		return complexVal(complex(real(x)-real(y), imag(x)-imag(y))), nil
	case opMul:
		return complexVal(cProd(x, y)), nil
	case opDiv:
		q, ok := cQuot(x, y)
		if !ok {
			return value{}, toolError("complex division by zero")
		}
		return complexVal(q), nil
	case opFloorDiv:
		return value{}, unsupported(op, a, b)
	}
	return complexPow(x, y)
}

// cProd is CPython's _Py_c_prod.
func cProd(a, b complex128) complex128 {
	return complex(real(a)*real(b)-imag(a)*imag(b), real(a)*imag(b)+imag(a)*real(b))
}

// cQuot is CPython's _Py_c_quot; ok is false for division by zero.
func cQuot(a, b complex128) (complex128, bool) {
	ar, ai, br, bi := real(a), imag(a), real(b), imag(b)
	absR, absI := math.Abs(br), math.Abs(bi)
	switch {
	case absR >= absI:
		if absR == 0 {
			return 0, false
		}
		ratio := bi / br
		denom := br + bi*ratio
		return complex((ar+ai*ratio)/denom, (ai-ar*ratio)/denom), true
	case absI >= absR:
		ratio := br / bi
		denom := br*ratio + bi
		return complex((ar*ratio+ai)/denom, (ai*ratio-ar)/denom), true
	}
	return complex(math.NaN(), math.NaN()), true
}

// complexPow is CPython's complex_pow.
func complexPow(a, b complex128) (value, error) {
	var p complex128
	edom := false
	if imag(b) == 0 && real(b) == math.Floor(real(b)) && math.Abs(real(b)) <= 100 {
		n := int(real(b))
		p = cPowu(a, max(n, -n))
		if n < 0 {
			p, edom = cQuot(1, p)
			edom = !edom
		}
	} else {
		switch {
		case b == 0:
			p = 1
		case a == 0:
			edom = imag(b) != 0 || real(b) < 0
		default:
			vabs := math.Hypot(real(a), imag(a))
			l := math.Pow(vabs, real(b))
			at := math.Atan2(imag(a), real(a))
			phase := at * real(b)
			if imag(b) != 0 {
				l /= math.Exp(at * imag(b))
				phase += imag(b) * math.Log(vabs)
			}
			p = complex(l*math.Cos(phase), l*math.Sin(phase))
		}
	}
	if edom {
		return value{}, toolError("0.0 to a negative or complex power")
	}
	if cmplx.IsInf(p) {
		return value{}, toolError("complex exponentiation")
	}
	return complexVal(p), nil
}

// cPowu is CPython's c_powu (binary exponentiation by squaring).
func cPowu(x complex128, n int) complex128 {
	r, p := complex128(1), x
	for mask := 1; mask > 0 && n >= mask; mask <<= 1 {
		if n&mask != 0 {
			r = cProd(r, p)
		}
		p = cProd(p, p)
	}
	return r
}

// unary applies unary minus or plus.
func unary(op nodeOp, v value) (value, error) {
	neg := op == opNeg
	switch v.k {
	case vInt:
		if neg {
			return value{k: vInt, i: new(big.Int).Neg(v.i)}, nil
		}
		return v, nil
	case vFloat:
		if neg {
			return floatVal(-v.f), nil
		}
		return v, nil
	case vComplex:
		if neg {
			return complexVal(complex(-real(v.c), -imag(v.c))), nil
		}
		return v, nil
	}
	sym := "+"
	if neg {
		sym = "-"
	}
	return value{}, fmt.Errorf("bad operand type for unary %s: '%s'", sym, v.typeName())
}
