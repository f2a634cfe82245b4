package retail

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/eigendata/eigendata/envs/pyjson"
)

// Payment method sources, the discriminator of tau2's PaymentMethod union.
const (
	SourceCreditCard = "credit_card"
	SourcePaypal     = "paypal"
	SourceGiftCard   = "gift_card"
)

// PaymentMethod is one of tau2's CreditCard, Paypal or GiftCard models,
// told apart by Source. Brand and LastFour belong to credit cards and Balance
// to gift cards; the fields of the other kinds are ignored and never dumped.
// It encodes with each class's own field order: credit_card as source, id,
// brand, last_four; paypal as source, id; gift_card as source, id, balance.
type PaymentMethod struct {
	// Source is SourceCreditCard, SourcePaypal or SourceGiftCard.
	Source string
	// ID is the payment method id, also its key in User.PaymentMethods.
	ID string
	// Brand is a credit card's brand (visa, mastercard, ...).
	Brand string
	// LastFour is a credit card's last four digits.
	LastFour string
	// Balance is a gift card's balance.
	Balance float64
}

// CreditCard returns a credit-card payment method.
func CreditCard(id, brand, lastFour string) PaymentMethod {
	return PaymentMethod{Source: SourceCreditCard, ID: id, Brand: brand, LastFour: lastFour}
}

// Paypal returns a PayPal payment method.
func Paypal(id string) PaymentMethod { return PaymentMethod{Source: SourcePaypal, ID: id} }

// GiftCard returns a gift-card payment method.
func GiftCard(id string, balance float64) PaymentMethod {
	return PaymentMethod{Source: SourceGiftCard, ID: id, Balance: balance}
}

// IsGiftCard reports whether p is a gift card (tau2's isinstance(p, GiftCard)).
func (p PaymentMethod) IsGiftCard() bool { return p.Source == SourceGiftCard }

// fields lists the dumped fields of p's class in pydantic order.
func (p PaymentMethod) fields() ([]string, []any, error) {
	switch p.Source {
	case SourceCreditCard:
		return []string{"source", "id", "brand", "last_four"}, []any{p.Source, p.ID, p.Brand, p.LastFour}, nil
	case SourcePaypal:
		return []string{"source", "id"}, []any{p.Source, p.ID}, nil
	case SourceGiftCard:
		return []string{"source", "id", "balance"}, []any{p.Source, p.ID, p.Balance}, nil
	}
	return nil, nil, fmt.Errorf("retail: unknown payment method source %q", p.Source)
}

// MarshalPyJSON dumps p as pydantic's model_dump of its class, in Python
// json.dumps style.
func (p PaymentMethod) MarshalPyJSON(buf *bytes.Buffer) error {
	names, vals, err := p.fields()
	if err != nil {
		return err
	}
	buf.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			buf.WriteString(", ")
		}
		pyjson.WriteString(buf, n)
		buf.WriteString(": ")
		s, err := pyjson.Marshal(vals[i])
		if err != nil {
			return err
		}
		buf.WriteString(s)
	}
	buf.WriteByte('}')
	return nil
}

// MarshalJSON encodes p with its class's fields only.
func (p PaymentMethod) MarshalJSON() ([]byte, error) {
	names, vals, err := p.fields()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			buf.WriteByte(',')
		}
		b, err := json.Marshal(vals[i])
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&buf, "%q:%s", n, b)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON decodes one of the three classes, requiring the fields
// pydantic requires.
func (p *PaymentMethod) UnmarshalJSON(b []byte) error {
	var raw struct {
		Source   *string  `json:"source"`
		ID       *string  `json:"id"`
		Brand    *string  `json:"brand"`
		LastFour *string  `json:"last_four"`
		Balance  *float64 `json:"balance"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("retail: payment method: %w", err)
	}
	if raw.Source == nil || raw.ID == nil {
		return fmt.Errorf("retail: payment method %s: source and id are required", b)
	}
	*p = PaymentMethod{Source: *raw.Source, ID: *raw.ID}
	switch p.Source {
	case SourceCreditCard:
		if raw.Brand == nil || raw.LastFour == nil {
			return fmt.Errorf("retail: credit card %s: brand and last_four are required", p.ID)
		}
		p.Brand, p.LastFour = *raw.Brand, *raw.LastFour
	case SourceGiftCard:
		if raw.Balance == nil {
			return fmt.Errorf("retail: gift card %s: balance is required", p.ID)
		}
		p.Balance = *raw.Balance
	case SourcePaypal:
	default:
		return fmt.Errorf("retail: payment method %s: unknown source %q", p.ID, p.Source)
	}
	return nil
}
