package retail

import (
	"bytes"
	"encoding/json"
	"strings"
)

// param describes one tool argument as tau2's docstring declares it.
type param struct {
	name, desc string
	list       bool // List[str] rather than str
}

// schema returns the JSON schema pydantic's model_json_schema() emits for a
// tool's "parameters" model: properties in signature order, each with
// description, (items,) title and type; every argument is required.
func schema(params ...param) string {
	var b bytes.Buffer
	b.WriteString(`{"properties":{`)
	for i, p := range params {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quote(p.name) + `:{"description":` + quote(p.desc))
		if p.list {
			b.WriteString(`,"items":{"type":"string"}`)
		}
		typ := "string"
		if p.list {
			typ = "array"
		}
		b.WriteString(`,"title":` + quote(fieldTitle(p.name)) + `,"type":"` + typ + `"}`)
	}
	b.WriteByte('}')
	if len(params) > 0 {
		b.WriteString(`,"required":[`)
		for i, p := range params {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(quote(p.name))
		}
		b.WriteByte(']')
	}
	b.WriteString(`,"title":"parameters","type":"object"}`)
	return b.String()
}

// fieldTitle is pydantic's default field title: words split on "_", each
// capitalized as Python's str.title() does ("address1" -> "Address1").
func fieldTitle(name string) string {
	words := strings.Split(name, "_")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + strings.ToLower(w[1:])
		}
	}
	return strings.Join(words, " ")
}

func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// Argument descriptions shared by several tools (tau2's docstrings).
const (
	descOrderID   = "The order id, such as '#W0000000'. Be careful there is a '#' symbol at the beginning of the order id."
	descUserID    = "The user id, such as 'sara_doe_496'."
	descAddress1  = "The first line of the address, such as '123 Main St'."
	descAddress2  = "The second line of the address, such as 'Apt 1' or ''."
	descCity      = "The city, such as 'San Francisco'."
	descState     = "The state, such as 'CA'."
	descCountry   = "The country, such as 'USA'."
	descZip       = "The zip code, such as '12345'."
	descPaymentID = "The payment method id to pay or receive refund for the item price difference, such as 'gift_card_0000000' or 'credit_card_0000000'. These can be looked up from the user or order details."
)

// addressParams are the address arguments after the leading id argument.
func addressParams() []param {
	return []param{
		{name: "address1", desc: descAddress1},
		{name: "address2", desc: descAddress2},
		{name: "city", desc: descCity},
		{name: "state", desc: descState},
		{name: "country", desc: descCountry},
		{name: "zip", desc: descZip},
	}
}
