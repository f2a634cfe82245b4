package synthesis

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/retail"
)

// retailFamily is the retail domain knowledge of the planner: a unit is a
// user; the finders read the user's orders, payment methods and the
// product catalogue, and apply the retail policy (pending orders may be
// cancelled or modified, delivered ones returned or exchanged).
type retailFamily struct {
	p  *Planner
	db *retail.DB
}

func (f *retailFamily) units() []string {
	keys := slices.Clone(f.db.Users.Keys())
	sort.Strings(keys)
	return keys
}

func (f *retailFamily) pairs() [][2]string {
	var out [][2]string
	for uid, u := range f.db.Users.All() {
		for _, id := range u.Orders {
			out = append(out, [2]string{uid, id})
		}
	}
	sortPairs(out)
	return out
}

func (f *retailFamily) unitOf(user, entity string) (string, string) { return user, entity }

func (f *retailFamily) begin(sc *Scenario, unit string) {
	sc.UserID = unit
	if u, ok := f.db.Users.Get(unit); ok {
		sc.Email = u.Email
	}
}

// compatible: one intent per order (the policy lets exchange and modify
// tools run once per order), one address change per user.
func (f *retailFamily) compatible(have []Intent, b Intent) bool {
	return !slices.ContainsFunc(have, func(in Intent) bool { return in.Target == b.Target })
}

func (f *retailFamily) finish(sc *Scenario) {
	sc.Instructions = envs.Instructions{Domain: "retail", ReasonForCall: reasonLine(sc.Intents),
		KnownInfo: ptrTo(knownLine(fmt.Sprintf("Your email is %s.", sc.Email), sc.Intents)), TaskInstructions: taskLine(len(sc.Intents))}
	sc.Basis = []envs.RewardType{envs.RewardDB}
}

func (f *retailFamily) kinds(t ToolRef) []kind {
	k := func(allowed bool, find finder) kind {
		return kind{name: t.Name, tool: t.Name, allowed: allowed, find: find}
	}
	switch t.Name {
	case "cancel_pending_order":
		return []kind{k(true, f.orderIntent(t.Name, true, f.cancel)), k(false, f.orderIntent(t.Name, false, f.cancel))}
	case "modify_pending_order_address":
		return []kind{k(true, f.orderIntent(t.Name, true, f.address)), k(false, f.orderIntent(t.Name, false, f.address))}
	case "modify_pending_order_payment":
		return []kind{k(true, f.orderIntent(t.Name, true, f.payment)), k(false, f.orderIntent(t.Name, false, f.payment))}
	case "modify_pending_order_items":
		return []kind{k(true, f.orderIntent(t.Name, true, f.items)), k(false, f.orderIntent(t.Name, false, f.items))}
	case "exchange_delivered_order_items":
		return []kind{k(true, f.orderIntent(t.Name, true, f.items)), k(false, f.orderIntent(t.Name, false, f.items))}
	case "return_delivered_order_items":
		return []kind{k(true, f.orderIntent(t.Name, true, f.returnItems)), k(false, f.orderIntent(t.Name, false, f.returnItems))}
	case "modify_user_address":
		return []kind{k(true, f.userAddress)}
	}
	return nil
}

// ruleFor is the policy rule of a retail write tool.
func ruleFor(tool string) func(string) (bool, string) {
	if tool == "return_delivered_order_items" || tool == "exchange_delivered_order_items" {
		return RetailReturnAllowed
	}
	return RetailModifyAllowed
}

// orderBuilder builds an intent of tool on one order (allowed tells it
// whether the policy lets it through: a refusal may skip feasibility of the
// arguments), or false when the order offers none.
type orderBuilder func(c *findCtx, tool string, u *retail.User, o *retail.Order, allowed bool) (Intent, bool)

// orderIntent walks the user's orders from a random start for one whose
// status the policy rule of tool decides as wanted.
func (f *retailFamily) orderIntent(tool string, allowed bool, build orderBuilder) finder {
	return func(c *findCtx) (Intent, bool) {
		u, ok := f.db.Users.Get(c.unit)
		if !ok || len(u.Orders) == 0 {
			return Intent{}, false
		}
		start := c.r.IntN(len(u.Orders))
		for i := range u.Orders {
			id := u.Orders[(start+i)%len(u.Orders)]
			o, ok := f.db.Orders.Get(id)
			if !ok || !c.free(id) {
				continue
			}
			ok, why := ruleFor(tool)(o.Status)
			if ok != allowed || o.Status == retail.StatusCancelled {
				continue
			}
			in, ok := build(c, tool, u, o, allowed)
			if !ok {
				continue
			}
			in.Kind, in.Tool, in.Target, in.Allowed, in.Why = tool, tool, id, allowed, why
			in.Reads = append([]envs.Action{call(envs.Assistant, "get_order_details", map[string]any{"order_id": id})}, in.Reads...)
			in.Known = fmt.Sprintf("The order id is %s. %s", id, in.Known)
			return in, true
		}
		return Intent{}, false
	}
}

func (f *retailFamily) cancel(c *findCtx, tool string, u *retail.User, o *retail.Order, _ bool) (Intent, bool) {
	reasons := [][2]string{{"no longer needed", "you no longer need it"}, {"ordered by mistake", "you ordered it by mistake"}}
	reason := reasons[c.r.IntN(len(reasons))]
	return Intent{Variant: reason[0], Writes: []envs.Action{call(envs.Assistant, tool, map[string]any{"order_id": o.OrderID, "reason": reason[0]})},
		Ask:   fmt.Sprintf("You want to cancel your order %s because %s.", o.OrderID, reason[1]),
		Known: fmt.Sprintf("The reason is: %s.", reason[0])}, true
}

// newAddress is an address different from have.
func newAddress(c *findCtx, u *retail.User, have retail.UserAddress) retail.UserAddress {
	a := u.Address
	if a == have {
		streets := []string{"Elm Street", "Harbor Lane", "Maple Avenue", "Cedar Court", "Lakeview Drive"}
		a.Address1 = fmt.Sprintf("%d %s", 100+c.r.IntN(900), streets[c.r.IntN(len(streets))])
		a.Address2 = fmt.Sprintf("Suite %d", 100+c.r.IntN(900))
	}
	return a
}

func addressArgs(a retail.UserAddress) map[string]any {
	return map[string]any{"address1": a.Address1, "address2": a.Address2, "city": a.City, "state": a.State, "country": a.Country, "zip": a.Zip}
}

func addressText(a retail.UserAddress) string {
	return fmt.Sprintf("%s, %s, %s, %s %s, %s", a.Address1, a.Address2, a.City, a.State, a.Zip, a.Country)
}

func (f *retailFamily) address(c *findCtx, tool string, u *retail.User, o *retail.Order, _ bool) (Intent, bool) {
	a := newAddress(c, u, o.Address)
	args := addressArgs(a)
	args["order_id"] = o.OrderID
	return Intent{Variant: "new_shipping_address", Writes: []envs.Action{call(envs.Assistant, tool, args)},
		Ask:   fmt.Sprintf("You want your order %s shipped to %s, %s instead.", o.OrderID, a.Address1, a.City),
		Known: fmt.Sprintf("The new address is %s.", addressText(a))}, true
}

// methods lists the user's payment method ids starting at a random one.
func methods(c *findCtx, u *retail.User) []string {
	ids := slices.Clone(u.PaymentMethods.Keys())
	if len(ids) > 1 {
		k := c.r.IntN(len(ids))
		ids = append(ids[k:], ids[:k]...)
	}
	return ids
}

func (f *retailFamily) payment(c *findCtx, tool string, u *retail.User, o *retail.Order, _ bool) (Intent, bool) {
	if len(o.PaymentHistory) != 1 || o.PaymentHistory[0].TransactionType != retail.TransactionPayment {
		return Intent{}, false
	}
	old, amount := o.PaymentHistory[0].PaymentMethodID, o.PaymentHistory[0].Amount
	for _, id := range methods(c, u) {
		pm, _ := u.PaymentMethods.Get(id)
		if id == old || pm.IsGiftCard() && pm.Balance < amount {
			continue
		}
		return Intent{Variant: pm.Source, Writes: []envs.Action{call(envs.Assistant, tool, map[string]any{"order_id": o.OrderID, "payment_method_id": id})},
			Ask:   fmt.Sprintf("You want to pay for your order %s with a different payment method (%s) instead.", o.OrderID, id),
			Known: fmt.Sprintf("The new payment method is %s.", id)}, true
	}
	return Intent{}, false
}

// swap finds an item of the order and another available variant of its
// product.
func (f *retailFamily) swap(c *findCtx, o *retail.Order) (retail.OrderItem, retail.Variant, bool) {
	if len(o.Items) == 0 {
		return retail.OrderItem{}, retail.Variant{}, false
	}
	start := c.r.IntN(len(o.Items))
	for i := range o.Items {
		it := o.Items[(start+i)%len(o.Items)]
		p, ok := f.db.Products.Get(it.ProductID)
		if !ok {
			continue
		}
		for _, vid := range p.Variants.Keys() {
			v, _ := p.Variants.Get(vid)
			if vid != it.ItemID && v.Available {
				return it, v, true
			}
		}
	}
	return retail.OrderItem{}, retail.Variant{}, false
}

func optionsText(v retail.Variant) string {
	var s string
	for i, k := range v.Options.Keys() {
		o, _ := v.Options.Get(k)
		if i > 0 {
			s += ", "
		}
		s += k + " " + o
	}
	return s
}

// items builds a modify (pending) or exchange (delivered) of one item for
// another variant of its product, the difference paid or refunded with
// the order's payment method when it can (a gift card must cover it).
func (f *retailFamily) items(c *findCtx, tool string, u *retail.User, o *retail.Order, _ bool) (Intent, bool) {
	it, v, ok := f.swap(c, o)
	if !ok || len(o.PaymentHistory) == 0 {
		return Intent{}, false
	}
	diff := v.Price - it.Price
	pay := ""
	for _, id := range append([]string{o.PaymentHistory[0].PaymentMethodID}, methods(c, u)...) {
		pm, ok := u.PaymentMethods.Get(id)
		if ok && (!pm.IsGiftCard() || pm.Balance >= diff) {
			pay = id
			break
		}
	}
	if pay == "" {
		return Intent{}, false
	}
	verb := "change"
	if tool == "exchange_delivered_order_items" {
		verb = "exchange"
	}
	in := Intent{Variant: verb + "_item", Writes: []envs.Action{call(envs.Assistant, tool, map[string]any{"order_id": o.OrderID,
		"item_ids": []string{it.ItemID}, "new_item_ids": []string{v.ItemID}, "payment_method_id": pay})},
		Reads: []envs.Action{call(envs.Assistant, "get_product_details", map[string]any{"product_id": it.ProductID})},
		Ask: fmt.Sprintf("You want to %s the %s (item %s) in your order %s for the one with %s.", verb, it.Name, it.ItemID, o.OrderID,
			optionsText(v)),
		Known: fmt.Sprintf("The new item id is %s. Pay or receive any price difference with %s.", v.ItemID, pay)}
	if d := math.Abs(math.Round(diff*100) / 100); d > 0 {
		in.Communicate = []string{fmt.Sprintf("%.2f", d)}
	}
	return in, true
}

func (f *retailFamily) returnItems(c *findCtx, tool string, u *retail.User, o *retail.Order, _ bool) (Intent, bool) {
	if len(o.Items) == 0 || len(o.PaymentHistory) == 0 {
		return Intent{}, false
	}
	it := o.Items[c.r.IntN(len(o.Items))]
	pay := o.PaymentHistory[0].PaymentMethodID
	if _, ok := u.PaymentMethods.Get(pay); !ok {
		return Intent{}, false
	}
	in := Intent{Variant: "return_item", Writes: []envs.Action{call(envs.Assistant, tool, map[string]any{"order_id": o.OrderID,
		"item_ids": []string{it.ItemID}, "payment_method_id": pay})},
		Ask:   fmt.Sprintf("You want to return the %s (item %s) from your order %s.", it.Name, it.ItemID, o.OrderID),
		Known: fmt.Sprintf("Refund it to the original payment method, %s.", pay)}
	in.Communicate = []string{fmt.Sprintf("%.2f", it.Price)}
	return in, true
}

func (f *retailFamily) userAddress(c *findCtx) (Intent, bool) {
	u, ok := f.db.Users.Get(c.unit)
	target := "user:" + c.unit
	if !ok || !c.free(target) {
		return Intent{}, false
	}
	a := u.Address
	streets := []string{"Willow Way", "Birch Road", "Pine Street", "Oak Boulevard", "Spruce Terrace"}
	a.Address1 = fmt.Sprintf("%d %s", 100+c.r.IntN(900), streets[c.r.IntN(len(streets))])
	a.Address2 = fmt.Sprintf("Apt %d", 1+c.r.IntN(90))
	args := addressArgs(a)
	args["user_id"] = u.UserID
	return Intent{Kind: "modify_user_address", Variant: "moved", Tool: "modify_user_address", Target: target, Allowed: true,
		Why:    "a user may change their default address",
		Writes: []envs.Action{call(envs.Assistant, "modify_user_address", args)},
		Ask:    fmt.Sprintf("You want to change your default address to %s, %s, because you moved.", a.Address1, a.City),
		Known:  fmt.Sprintf("The new default address is %s.", addressText(a))}, true
}
