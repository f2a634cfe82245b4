package retail

import (
	"math"
	"math/big"
)

// powPrec is the working precision of powFloat: far beyond a double's, so
// the result is correctly rounded (as glibc's pow is in practice) except in
// vanishingly rare hard cases.
const powPrec = 256

// powFloat is C's pow for a positive finite base x != 1 and a finite
// exponent y != 0, computed in extended precision and rounded once.
func powFloat(x, y float64) float64 {
	if y == math.Trunc(y) && math.Abs(y) <= 1024 {
		return powInt(x, int64(y))
	}
	bx := new(big.Float).SetPrec(powPrec).SetFloat64(x)
	t := bigLn(bx)
	t.Mul(t, new(big.Float).SetPrec(powPrec).SetFloat64(y))
	tf, _ := t.Float64()
	switch {
	case tf > 1e4:
		return math.Inf(1)
	case tf < -1e4:
		return 0
	}
	// x**y = exp(t) = exp(r) * 2**k with r = t - k*ln2, |r| <= ln2/2.
	l2 := bigLn2()
	q, _ := new(big.Float).Quo(t, l2).Float64()
	k := int(math.Round(q))
	r := new(big.Float).SetPrec(powPrec).Mul(l2, new(big.Float).SetInt64(int64(k)))
	r.Sub(t, r)
	e := bigExp(r)
	f, _ := e.SetMantExp(e, k).Float64()
	return f
}

// powInt is x**n computed exactly (n is small) and rounded once.
func powInt(x float64, n int64) float64 {
	neg := n < 0
	if neg {
		n = -n
	}
	prec := uint(53*n + 128)
	r := new(big.Float).SetPrec(prec).SetInt64(1)
	base := new(big.Float).SetPrec(prec).SetFloat64(x)
	for e := n; e > 0; e >>= 1 {
		if e&1 == 1 {
			r.Mul(r, base)
		}
		if e > 1 {
			base.Mul(base, base)
		}
	}
	if neg {
		r.Quo(new(big.Float).SetPrec(prec).SetInt64(1), r)
	}
	f, _ := r.Float64()
	return f
}

// bigAtanhSeries returns 2*atanh(z) = 2*(z + z^3/3 + z^5/5 + ...) for |z| < 1/2.
func bigAtanhSeries(z *big.Float) *big.Float {
	sum := new(big.Float).SetPrec(powPrec).Set(z)
	z2 := new(big.Float).SetPrec(powPrec).Mul(z, z)
	pow := new(big.Float).SetPrec(powPrec).Set(z)
	term := new(big.Float).SetPrec(powPrec)
	for k := int64(3); ; k += 2 {
		pow.Mul(pow, z2)
		term.Quo(pow, new(big.Float).SetInt64(k))
		if term.Sign() == 0 || term.MantExp(nil)-sum.MantExp(nil) < -int(powPrec) {
			break
		}
		sum.Add(sum, term)
	}
	return sum.Mul(sum, new(big.Float).SetInt64(2))
}

// bigLn2 returns ln 2 = 2*atanh(1/3).
func bigLn2() *big.Float {
	third := new(big.Float).SetPrec(powPrec).Quo(big.NewFloat(1), big.NewFloat(3))
	return bigAtanhSeries(third)
}

// bigLn returns the natural logarithm of x > 0.
func bigLn(x *big.Float) *big.Float {
	m := new(big.Float).SetPrec(powPrec)
	e := x.MantExp(m) // x = m * 2**e, m in [0.5, 1)
	if m.Cmp(big.NewFloat(math.Sqrt2/2)) < 0 {
		m.SetMantExp(m, 1)
		e--
	}
	one := big.NewFloat(1)
	z := new(big.Float).SetPrec(powPrec).Sub(m, one)
	z.Quo(z, new(big.Float).SetPrec(powPrec).Add(m, one))
	ln := bigAtanhSeries(z)
	return ln.Add(ln, new(big.Float).SetPrec(powPrec).Mul(bigLn2(), new(big.Float).SetInt64(int64(e))))
}

// bigExp returns e**r for |r| <= 1: the Taylor series of r/2**16, squared
// 16 times.
func bigExp(r *big.Float) *big.Float {
	const halvings = 16
	prec := uint(powPrec + 2*halvings)
	x := new(big.Float).SetPrec(prec).SetMantExp(r, -halvings)
	sum := new(big.Float).SetPrec(prec).SetInt64(1)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	for k := int64(1); ; k++ {
		term.Mul(term, x)
		term.Quo(term, new(big.Float).SetInt64(k))
		if term.Sign() == 0 || term.MantExp(nil) < -int(prec) {
			break
		}
		sum.Add(sum, term)
	}
	for range halvings {
		sum.Mul(sum, sum)
	}
	return sum
}
