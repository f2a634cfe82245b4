package retail_test

import (
	"strings"
	"testing"

	"github.com/eigendata/eigendata/envs/retail"
)

// TestCalculate checks calculate against what CPython 3.11's eval, float,
// round and str produce, errors included.
func TestCalculate(t *testing.T) {
	cases := []struct{ expr, want string }{
		{"2 + 2", "4.0"},                 // int arithmetic, float() of the result
		{"0.1+0.2", "0.3"},               // float arithmetic rounded to cents
		{"(205.35 - 198.0) * 2", "14.7"}, // typical price difference
		{"1000*1.07**12", "2252.19"},     // float power
		{"1.05**10", "1.63"},             // float power with an integral exponent
		{"2**0.5", "1.41"},               // square root
		{"2 ** 3 ** 2", "512.0"},         // ** is right-associative
		{"-2**2", "-4.0"},                // unary minus binds looser than **
		{"2**-1", "0.5"},                 // int ** negative int is a float
		{"7//2", "3.0"},                  // int floor division
		{"-7//2", "-4.0"},                // floors towards -inf
		{"-8.5 // 0.1", "-85.0"},         // float floor division
		{"1/3", "0.33"},                  // true division
		{"10**400/10**399", "10.0"},      // exact int true division
		{"0.125*1", "0.12"},              // round half to even on the exact binary value
		{"2.675*1", "2.67"},              // 2.675 is below the midpoint in binary
		{"123456789012345678901234567890", "1.2345678901234568e+29"},  // repr switches to exponent notation
		{"1.5**100", "4.065611775352152e+17"},                         // large float result keeps all digits
		{"0*-1.0", "-0.0"},                                            // negative zero
		{"10.0**308*10", "inf"},                                       // float overflow in multiplication gives inf
		{" 1 +  1", "2.0"},                                            // eval strips leading spaces
		{"1.", "1.0"},                                                 // float literal without fraction
		{".5", "0.5"},                                                 // float literal without integer part
		{"00", "0.0"},                                                 // zeros are a valid int literal
		{"1e5", "Error: Invalid characters in expression"},            // letters are rejected before eval
		{"2,3", "Error: Invalid characters in expression"},            // commas are rejected before eval
		{"", "Error: invalid syntax (<string>, line 0)"},              // empty source
		{"1/0", "Error: division by zero"},                            // ZeroDivisionError for ints
		{"1.0/0", "Error: float division by zero"},                    // ZeroDivisionError for floats
		{"1//0", "Error: integer division or modulo by zero"},         // int floor division by zero
		{"1.0//0", "Error: float floor division by zero"},             // float floor division by zero
		{"0**-1", "Error: 0.0 cannot be raised to a negative power"},  // zero to a negative power
		{"2**2000", "Error: int too large to convert to float"},       // OverflowError converting the int result
		{"2.0**2000", "Error: (34, 'Numerical result out of range')"}, // OverflowError from pow
		{"(-8)**(1/3)", "Error: float() argument must be a string or a real number, not 'complex'"},                                                      // negative base, fractional exponent: complex result
		{"(-8)**0.5/0", "Error: complex division by zero"},                                                                                               // complex division by zero
		{"()", "Error: float() argument must be a string or a real number, not 'tuple'"},                                                                 // empty tuple
		{"()+1", "Error: can only concatenate tuple (not \"int\") to tuple"},                                                                             // tuple concatenation
		{"1+()", "Error: unsupported operand type(s) for +: 'int' and 'tuple'"},                                                                          // unsupported operand types
		{"()*1.5", "Error: can't multiply sequence by non-int of type 'float'"},                                                                          // sequence repetition by a float
		{"-...", "Error: bad operand type for unary -: 'ellipsis'"},                                                                                      // unary minus on Ellipsis
		{"(1)(2)", "Error: 'int' object is not callable"},                                                                                                // calling an int
		{"1.5(*1)", "Error: 1.5 argument after * must be an iterable, not int"},                                                                          // star-argument that is not iterable
		{"1 2", "Error: invalid syntax (<string>, line 1)"},                                                                                              // two numbers in a row
		{"(1 2)", "Error: invalid syntax. Perhaps you forgot a comma? (<string>, line 1)"},                                                               // two numbers in a row inside parentheses
		{"(*1)", "Error: cannot use starred expression here (<string>, line 1)"},                                                                         // starred expression in a group
		{"(**1)", "Error: cannot use double starred expression here (<string>, line 1)"},                                                                 // double-starred expression in a group
		{"(1 + 2", "Error: '(' was never closed (<string>, line 1)"},                                                                                     // unclosed parenthesis
		{"(1 2", "Error: '(' was never closed (<string>, line 1)"},                                                                                       // unclosed parenthesis found while parsing the second expression
		{"1 + 2)", "Error: unmatched ')' (<string>, line 1)"},                                                                                            // unmatched parenthesis
		{"1 + (2 3) + 01", "Error: leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers (<string>, line 1)"}, // a tokenizer error later in the source wins
		{"01", "Error: leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers (<string>, line 1)"},             // leading zeros
		{"1.5.2", "Error: invalid syntax (<string>, line 1)"},                                                                                            // two float literals in a row
		{"1 .", "Error: invalid syntax (<string>, line 1)"},                                                                                              // attribute access needs a name
		{strings.Repeat("(", 201) + "1" + strings.Repeat(")", 201), "Error: too many nested parentheses (<string>, line 1)"},                             // parenthesis nesting limit
		{strings.Repeat("1", 4301), "Error: Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit - Consider hexadecimal for huge integer literals to avoid decimal conversion limits. (<string>, line 1)"}, // integer literal digit limit
	}
	for _, c := range cases {
		got, err := retail.Calculate(c.expr)
		if err != nil {
			got = "Error: " + err.Error()
		}
		if got != c.want {
			t.Errorf("calculate(%q) = %q, want %q", c.expr, got, c.want)
		}
	}
}
