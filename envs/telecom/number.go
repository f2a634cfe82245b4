package telecom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/eigendata/eigendata/envs/pyjson"
)

// NumKind is the Python type a Number stands for.
type NumKind uint8

// Number kinds: tau2 calls tools with the JSON arguments as they are, so a
// numeric argument is a Python float, int or bool, and it is stored
// unvalidated when assigned to a model field.
const (
	Float NumKind = iota
	Int
	Bool
	// NotNumber marks an argument of another JSON type (string, null, list,
	// object); TypeName holds its Python type name.
	NotNumber
)

// Number is a Python numeric value that remembers whether it is a float, an
// int or a bool, so that str() and json.dumps print it as Python would
// ("15" for an int, "15.0" for a float).
type Number struct {
	V    float64
	Kind NumKind
	// TypeName is the Python type name of a NotNumber argument.
	TypeName string
}

// FloatNum returns a Python float.
func FloatNum(f float64) Number { return Number{V: f} }

// String returns Python's str() of the number.
func (n Number) String() string {
	switch n.Kind {
	case Int:
		return strconv.FormatInt(int64(n.V), 10)
	case Bool:
		if n.V != 0 {
			return "True"
		}
		return "False"
	case NotNumber:
		return "<" + n.TypeName + ">"
	}
	return pyjson.FormatFloat(n.V)
}

// PyType returns the Python type name.
func (n Number) PyType() string {
	switch n.Kind {
	case Int:
		return "int"
	case Bool:
		return "bool"
	case NotNumber:
		return n.TypeName
	}
	return "float"
}

// IsNumber reports whether n is an int, float or bool.
func (n Number) IsNumber() bool { return n.Kind != NotNumber }

// MarshalPyJSON writes the number as json.dumps does (True/False as true/false).
func (n Number) MarshalPyJSON(buf *bytes.Buffer) error {
	switch n.Kind {
	case Bool:
		if n.V != 0 {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	case NotNumber:
		return fmt.Errorf("telecom: cannot encode a %s as a number", n.TypeName)
	default:
		buf.WriteString(n.String())
	}
	return nil
}

// MarshalJSON encodes the number so that UnmarshalJSON restores its kind.
func (n Number) MarshalJSON() ([]byte, error) {
	switch n.Kind {
	case Bool:
		return []byte(strconv.FormatBool(n.V != 0)), nil
	case NotNumber:
		return json.Marshal(map[string]string{"type": n.TypeName})
	case Int:
		return []byte(n.String()), nil
	}
	if math.IsInf(n.V, 0) || math.IsNaN(n.V) {
		return nil, fmt.Errorf("telecom: cannot encode %v", n.V)
	}
	return []byte(pyjson.FormatFloat(n.V)), nil
}

// UnmarshalJSON decodes a JSON value as Python's json.loads would type it:
// an integer literal is an int, any other number a float, true/false a
// bool; other values become NotNumber with their Python type name.
func (n *Number) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	*n = Number{}
	switch {
	case s == "true" || s == "false":
		n.Kind = Bool
		if s == "true" {
			n.V = 1
		}
		return nil
	case s == "null":
		n.Kind, n.TypeName = NotNumber, "NoneType"
		return nil
	case strings.HasPrefix(s, `"`):
		n.Kind, n.TypeName = NotNumber, "str"
		return nil
	case strings.HasPrefix(s, "["):
		n.Kind, n.TypeName = NotNumber, "list"
		return nil
	case strings.HasPrefix(s, "{"):
		var m struct {
			Type string `json:"type"`
		}
		n.Kind, n.TypeName = NotNumber, "dict"
		if json.Unmarshal(b, &m) == nil && m.Type != "" {
			n.TypeName = m.Type // round trip of MarshalJSON
		}
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("telecom: bad number %q", s)
	}
	n.V = f
	if !strings.ContainsAny(s, ".eE") {
		n.Kind = Int
	}
	return nil
}
