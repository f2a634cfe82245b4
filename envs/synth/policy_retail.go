package synth

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/retail"
)

// RetailPolicy is the retail family's checkable rules (tau2's retail
// policy, which eigendata's generated retail shares).
type RetailPolicy struct{}

// Family implements Policy.
func (RetailPolicy) Family() Family { return FamilyRetail }

// CancelReasons are the accepted cancellation reasons.
func CancelReasons() []string { return []string{"no longer needed", "ordered by mistake"} }

// OrderDecision applies the status rule of an order intent: cancel and
// modify need a pending order, return and exchange a delivered one.
func (RetailPolicy) OrderDecision(status string, in Intent) Decision {
	want := retail.StatusPending
	if in == RetailReturn || in == RetailExchange {
		want = retail.StatusDelivered
	}
	if status == want {
		return Decision{true, "order." + want + "_only", "the order is " + status}
	}
	return Decision{false, "order." + want + "_only", fmt.Sprintf("the order is %s; only %s orders can be %s", status, want, intentVerb(in))}
}

func intentVerb(in Intent) string {
	switch in {
	case RetailCancel:
		return "cancelled"
	case RetailReturn:
		return "returned"
	case RetailExchange:
		return "exchanged"
	}
	return "modified"
}

// Authenticates implements Policy: the lookups by email or by name and zip
// return the user id.
func (RetailPolicy) Authenticates(name string, _ json.RawMessage, output string) string {
	if name == "find_user_id_by_email" || name == "find_user_id_by_name_zip" {
		return strings.TrimSpace(output)
	}
	return ""
}

// Owner implements Policy.
func (RetailPolicy) Owner(st envs.State, name string, args json.RawMessage) string {
	db, ok := st.(*retail.DB)
	if !ok {
		return ""
	}
	m := argMap(args)
	if id := argString(m, "order_id"); id != "" {
		if o, ok := db.Orders.Get(id); ok {
			return o.UserID
		}
		return ""
	}
	return argString(m, "user_id")
}

func retailPayment(db *retail.DB, userID, id string) (retail.PaymentMethod, bool) {
	u, ok := db.Users.Get(userID)
	if !ok {
		return retail.PaymentMethod{}, false
	}
	return u.PaymentMethods.Get(id)
}

// checkItems checks item swaps: each new item is another available
// variant of the same product.
func checkItems(db *retail.DB, o *retail.Order, ids, newIDs []string) *Violation {
	if len(ids) != len(newIDs) {
		return &Violation{Rule: "items.count", Detail: "each item needs exactly one replacement"}
	}
	for i, id := range ids {
		k := -1
		for j, it := range o.Items {
			if it.ItemID == id {
				k = j
				break
			}
		}
		if k < 0 {
			return nil // the tool reports it
		}
		if newIDs[i] == id {
			return &Violation{Rule: "items.changed", Detail: fmt.Sprintf("item %s would be replaced by itself", id)}
		}
		p, ok := db.Products.Get(o.Items[k].ProductID)
		if !ok {
			return nil
		}
		v, ok := p.Variants.Get(newIDs[i])
		if !ok {
			return &Violation{Rule: "items.same_product", Detail: fmt.Sprintf("item %s is not a variant of %s", newIDs[i], p.Name)}
		}
		if !v.Available {
			return &Violation{Rule: "items.available", Detail: fmt.Sprintf("item %s is not available", newIDs[i])}
		}
	}
	return nil
}

func itemsDiff(db *retail.DB, o *retail.Order, ids, newIDs []string) float64 {
	diff := 0.0
	for i, id := range ids {
		for _, it := range o.Items {
			if it.ItemID != id {
				continue
			}
			if p, ok := db.Products.Get(it.ProductID); ok {
				if v, ok := p.Variants.Get(newIDs[i]); ok {
					diff += v.Price - it.Price
				}
			}
			break
		}
	}
	return round2(diff)
}

// CheckWrite implements Policy.
func (p RetailPolicy) CheckWrite(st envs.State, _ PolicyContext, name string, args json.RawMessage) *Violation {
	db, ok := st.(*retail.DB)
	if !ok {
		return nil
	}
	m := argMap(args)
	o, ok := db.Orders.Get(argString(m, "order_id"))
	if !ok {
		return nil
	}
	status := func(in Intent) *Violation {
		if d := p.OrderDecision(o.Status, in); !d.Allowed {
			return &Violation{Rule: d.Rule, Detail: d.Why}
		}
		return nil
	}
	balance := func(pmID string, need float64) *Violation {
		pm, ok := retailPayment(db, o.UserID, pmID)
		if !ok {
			return &Violation{Rule: "payment.on_profile", Detail: fmt.Sprintf("payment method %s is not on the user's profile", pmID)}
		}
		if pm.IsGiftCard() && pm.Balance < need {
			return &Violation{Rule: "payment.balance", Detail: fmt.Sprintf("gift card %s has %.2f, needs %.2f", pmID, pm.Balance, need)}
		}
		return nil
	}
	switch name {
	case "cancel_pending_order":
		if v := status(RetailCancel); v != nil {
			return v
		}
		if r := argString(m, "reason"); r != CancelReasons()[0] && r != CancelReasons()[1] {
			return &Violation{Rule: "cancel.reason", Detail: fmt.Sprintf("%q is not an accepted cancellation reason", r)}
		}
	case "modify_pending_order_address":
		return status(RetailChangeAddress)
	case "modify_pending_order_payment":
		if v := status(RetailChangePayment); v != nil {
			return v
		}
		pmID := argString(m, "payment_method_id")
		if len(o.PaymentHistory) > 0 && o.PaymentHistory[0].PaymentMethodID == pmID {
			return &Violation{Rule: "payment.different", Detail: "the new payment method must differ from the original"}
		}
		amount := 0.0
		if len(o.PaymentHistory) > 0 {
			amount = o.PaymentHistory[0].Amount
		}
		return balance(pmID, amount)
	case "modify_pending_order_items":
		if v := status(RetailModifyItems); v != nil {
			return v
		}
		ids, newIDs := argStrings(m, "item_ids"), argStrings(m, "new_item_ids")
		if v := checkItems(db, o, ids, newIDs); v != nil {
			return v
		}
		return balance(argString(m, "payment_method_id"), itemsDiff(db, o, ids, newIDs))
	case "return_delivered_order_items":
		if v := status(RetailReturn); v != nil {
			return v
		}
		pmID := argString(m, "payment_method_id")
		pm, ok := retailPayment(db, o.UserID, pmID)
		original := len(o.PaymentHistory) > 0 && o.PaymentHistory[0].PaymentMethodID == pmID
		if ok && !original && !pm.IsGiftCard() {
			return &Violation{Rule: "return.refund_method", Detail: "refunds go to the original payment method or a gift card"}
		}
	case "exchange_delivered_order_items":
		if v := status(RetailExchange); v != nil {
			return v
		}
		ids, newIDs := argStrings(m, "item_ids"), argStrings(m, "new_item_ids")
		if v := checkItems(db, o, ids, newIDs); v != nil {
			return v
		}
		return balance(argString(m, "payment_method_id"), itemsDiff(db, o, ids, newIDs))
	}
	return nil
}
