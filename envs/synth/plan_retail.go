package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/eigendata/eigendata/envs/retail"
)

func streetNames() []string {
	return []string{"Harbor Street", "Sycamore Lane", "Juniper Court", "Orchard Road", "Meadow Drive", "Granite Avenue", "Bayview Terrace", "Aspen Way"}
}

func cityList() [][3]string {
	return [][3]string{{"Portland", "OR", "972"}, {"Madison", "WI", "537"}, {"Raleigh", "NC", "276"}, {"Tucson", "AZ", "857"}, {"Boise", "ID", "837"}, {"Savannah", "GA", "314"}}
}

// newAddress returns an address that differs from old.
func newAddress(r *rand.Rand, old retail.UserAddress) Address {
	for {
		c := pick(r, cityList())
		a := Address{Address1: fmt.Sprintf("%d %s", 10+r.IntN(990), pick(r, streetNames())), Address2: fmt.Sprintf("Apt %d", 1+r.IntN(40)),
			City: c[0], State: c[1], Country: "USA", Zip: fmt.Sprintf("%s%02d", c[2], r.IntN(100))}
		if a.Address1 != old.Address1 || a.Zip != old.Zip {
			return a
		}
	}
}

// paid is what an order was paid, net of refunds.
func paid(o *retail.Order) float64 {
	total := 0.0
	for _, p := range o.PaymentHistory {
		if p.TransactionType == retail.TransactionRefund {
			total -= p.Amount
		} else {
			total += p.Amount
		}
	}
	return round2(total)
}

type itemSwap struct {
	item, newItem string
	diff          float64
	desc          string
}

// swaps lists, for each item of the order, the other available variants
// of its product.
func swaps(db *retail.DB, o *retail.Order) []itemSwap {
	var out []itemSwap
	seen := map[string]bool{}
	for _, it := range o.Items {
		if seen[it.ItemID] {
			continue
		}
		seen[it.ItemID] = true
		p, ok := db.Products.Get(it.ProductID)
		if !ok {
			continue
		}
		for _, id := range p.Variants.Keys() {
			v, _ := p.Variants.Get(id)
			if id == it.ItemID || !v.Available {
				continue
			}
			var opts []string
			for _, k := range v.Options.Keys() {
				val, _ := v.Options.Get(k)
				opts = append(opts, k+" "+val)
			}
			out = append(out, itemSwap{item: it.ItemID, newItem: id, diff: round2(v.Price - it.Price),
				desc: fmt.Sprintf("%s (item %s) for the %s option (item %s)", it.Name, it.ItemID, strings.Join(opts, ", "), id)})
		}
	}
	return out
}

// retailPays lists the user's payment methods that can cover need (gift
// cards need the balance; others always can).
func retailPays(u *retail.User, need float64) []string {
	var out []string
	for _, id := range u.PaymentMethods.Keys() {
		pm, _ := u.PaymentMethods.Get(id)
		if !pm.IsGiftCard() || pm.Balance >= need {
			out = append(out, id)
		}
	}
	return out
}

func groundRetail(db *retail.DB, sc Scenario, refusal bool, ref EntityRef, r *rand.Rand) (Scenario, bool) {
	u, ok := db.Users.Get(ref.UserID)
	if !ok {
		return sc, false
	}
	sc.UserID, sc.Email, sc.FirstName, sc.LastName, sc.Zip = u.UserID, u.Email, u.Name.FirstName, u.Name.LastName, u.Address.Zip
	sc.AuthBy = AuthEmail
	if r.IntN(10) < 3 {
		sc.AuthBy = AuthNameZip
	}
	refusalTask := "If the agent says it cannot do this, accept that and end the conversation."
	if sc.Intent == RetailChangeUserAddress {
		a := newAddress(r, u.Address)
		sc.Allowed, sc.Rule, sc.Why = true, "user.address", "users may change their default address"
		sc.Params = Params{Address: &a}
		sc.Instructions = instructions(sc.Domain, "You moved and want to update the default address on your account.",
			fmt.Sprintf("%s Your new address is %s.", sc.identityText(), a), "Confirm the new address when the agent asks.")
		return sc, true
	}
	o, ok := db.Orders.Get(ref.EntityID)
	if !ok || o.UserID != u.UserID || len(o.Items) == 0 {
		return sc, false
	}
	sc.EntityID = o.OrderID
	d := RetailPolicy{}.OrderDecision(o.Status, sc.Intent)
	if d.Allowed == refusal {
		return sc, false
	}
	if refusal && o.Status != retail.StatusPending && o.Status != retail.StatusProcessed && o.Status != retail.StatusDelivered {
		return sc, false // refuse on ordinary statuses only
	}
	sc.Allowed, sc.Rule, sc.Why = d.Allowed, d.Rule, d.Why
	who := fmt.Sprintf("%s The order id is %s.", sc.identityText(), o.OrderID)
	original := ""
	if len(o.PaymentHistory) > 0 {
		original = o.PaymentHistory[0].PaymentMethodID
	}
	switch sc.Intent {
	case RetailCancel:
		reason := pick(r, CancelReasons())
		sc.Params = Params{Reason: reason}
		if sc.Allowed {
			sc.Params.Amount = paid(o)
		}
		sc.Instructions = instructions(sc.Domain,
			fmt.Sprintf("You want to cancel your order %s.", o.OrderID),
			fmt.Sprintf("%s The reason for cancelling is '%s'.", who, reason),
			"Confirm the cancellation when the agent asks. "+refusalTask)
		return sc, true

	case RetailChangeAddress:
		a := newAddress(r, o.Address)
		sc.Params = Params{Address: &a}
		sc.Instructions = instructions(sc.Domain,
			fmt.Sprintf("You want your order %s shipped to a different address.", o.OrderID),
			fmt.Sprintf("%s The new shipping address is %s.", who, a),
			"Confirm the new address when the agent asks. "+refusalTask)
		return sc, true

	case RetailChangePayment:
		if len(o.PaymentHistory) != 1 || o.PaymentHistory[0].TransactionType != retail.TransactionPayment {
			return sc, false
		}
		var pays []string
		for _, id := range retailPays(u, o.PaymentHistory[0].Amount) {
			if id != original {
				pays = append(pays, id)
			}
		}
		if len(pays) == 0 {
			return sc, false
		}
		sc.Params = Params{PaymentID: pick(r, pays)}
		sc.Instructions = instructions(sc.Domain,
			fmt.Sprintf("You want to pay for your order %s with a different payment method.", o.OrderID),
			fmt.Sprintf("%s The new payment method is %s.", who, sc.Params.PaymentID),
			"Confirm when the agent asks.")
		return sc, true

	case RetailModifyItems, RetailExchange:
		cands := swaps(db, o)
		if len(cands) == 0 {
			return sc, false
		}
		sw := pick(r, cands)
		pays := retailPays(u, sw.diff)
		if len(pays) == 0 {
			return sc, false
		}
		sc.Params = Params{ItemIDs: []string{sw.item}, NewItemIDs: []string{sw.newItem}, PaymentID: pick(r, pays)}
		if sc.Allowed {
			sc.Params.Amount = max(sw.diff, -sw.diff)
		}
		verb := "change"
		if sc.Intent == RetailExchange {
			verb = "exchange"
		}
		sc.Instructions = instructions(sc.Domain,
			fmt.Sprintf("You want to %s an item of your order %s for a different option.", verb, o.OrderID),
			fmt.Sprintf("%s You want to %s %s. That is the only item to %s. Pay or get refunded any price difference with %s.", who, verb, sw.desc, verb, sc.Params.PaymentID),
			"Confirm when the agent asks. "+refusalTask)
		return sc, true

	case RetailReturn:
		k := 1 + r.IntN(min(2, len(o.Items)))
		idx := r.Perm(len(o.Items))[:k]
		var ids, names []string
		total := 0.0
		for _, i := range idx {
			ids = append(ids, o.Items[i].ItemID)
			names = append(names, fmt.Sprintf("%s (item %s)", o.Items[i].Name, o.Items[i].ItemID))
			total += o.Items[i].Price
		}
		pays := []string{original}
		for _, id := range u.PaymentMethods.Keys() {
			if pm, _ := u.PaymentMethods.Get(id); pm.IsGiftCard() && id != original {
				pays = append(pays, id)
			}
		}
		if original == "" {
			return sc, false
		}
		sc.Params = Params{ItemIDs: ids, PaymentID: pick(r, pays)}
		if sc.Allowed {
			sc.Params.Amount = round2(total)
		}
		sc.Instructions = instructions(sc.Domain,
			fmt.Sprintf("You want to return some items of your order %s.", o.OrderID),
			fmt.Sprintf("%s You want to return %s, nothing else. Refund to %s.", who, strings.Join(names, " and "), sc.Params.PaymentID),
			"Confirm the return when the agent asks. "+refusalTask)
		return sc, true
	}
	return sc, false
}
