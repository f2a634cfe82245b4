package retail

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eigendata/eigendata/envs"
)

// Errors of the write tools, with tau2's messages.
const (
	errCancelNotPending   = toolError("Non-pending order cannot be cancelled")
	errInvalidReason      = toolError("Invalid reason")
	errExchangeNotDeliv   = toolError("Non-delivered order cannot be exchanged")
	errExchangeCount      = toolError("The number of items to be exchanged should match.")
	errExchangeGiftCard   = toolError("Insufficient gift card balance to pay for the price difference")
	errModifyNotPending   = toolError("Non-pending order cannot be modified")
	errModifyCount        = toolError("The number of items to be exchanged should match")
	errModifySameItem     = toolError("The new item id should be different from the old item id")
	errModifyGiftCard     = toolError("Insufficient gift card balance to pay for the new item")
	errPaymentNotSingle   = toolError("There should be exactly one payment for a pending order")
	errPaymentSame        = toolError("The new payment method should be different from the current one")
	errPaymentGiftCard    = toolError("Insufficient gift card balance to pay for the order")
	errReturnNotDelivered = toolError("Non-delivered order cannot be returned")
	errReturnPayment      = toolError("Payment method should be the original payment method")
	errReturnItems        = toolError("Some item not found")
	errIndexOutOfRange    = toolError("list index out of range")
)

// excessItem returns the first id in ids that ids lists more often than the
// order has it, as tau2's `item_ids.count(x) > all_item_ids.count(x)` loop.
func excessItem(ids []string, items []OrderItem) (string, bool) {
	have := make(map[string]int, len(items))
	for _, it := range items {
		have[it.ItemID]++
	}
	want := make(map[string]int, len(ids))
	for _, id := range ids {
		want[id]++
	}
	for _, id := range ids {
		if want[id] > have[id] {
			return id, true
		}
	}
	return "", false
}

// firstItem returns the index of the first item with that item id, or -1.
func firstItem(items []OrderItem, id string) int {
	return slices.IndexFunc(items, func(it OrderItem) bool { return it.ItemID == id })
}

// priceDifference is the loop shared by the exchange and modify tools: it
// checks every new item against the old one (same product, available) and
// sums new minus old prices in order. It returns the last variant looked up,
// which tau2's modify_pending_order_items applies to every modified item.
func priceDifference(d *DB, o *Order, ids, newIDs []string, rejectSame bool) (float64, Variant, error) {
	diff := 0.0
	var last Variant
	for i, id := range ids {
		newID := newIDs[i]
		if rejectSame && id == newID {
			return 0, last, errModifySameItem
		}
		k := firstItem(o.Items, id)
		if k < 0 {
			return 0, last, fmt.Errorf("Item %s not found", id)
		}
		v, err := d.variant(o.Items[k].ProductID, newID)
		if err != nil {
			return 0, last, err
		}
		if !v.Available {
			return 0, last, fmt.Errorf("New item %s not found or available", newID)
		}
		diff += v.Price - o.Items[k].Price
		last = v
	}
	return diff, last, nil
}

func cancelPendingOrderTool() *envs.Tool {
	type args struct {
		OrderID string `json:"order_id"`
		Reason  string `json:"reason"`
	}
	return envs.NewTool("cancel_pending_order", envs.Write,
		"Cancel a pending order. If the order is already processed or delivered,\n\n"+
			"it cannot be cancelled. The agent needs to explain the cancellation detail\n"+
			"and ask for explicit user confirmation (yes/no) to proceed. If the user confirms,\n"+
			"the order status will be changed to 'cancelled' and the payment will be refunded.\n"+
			"The refund will be added to the user's gift card balance immediately if the payment\n"+
			"was made using a gift card, otherwise the refund would take 5-7 business days to process.\n"+
			"The function returns the order details after the cancellation.",
		schema(
			param{name: "order_id", desc: descOrderID},
			param{name: "reason", desc: "The reason for cancellation, which should be either 'no longer needed' or 'ordered by mistake'."},
		),
		envs.Bind(func(d *DB, a args) (any, error) {
			o, err := d.order(a.OrderID)
			if err != nil {
				return nil, err
			}
			if o.Status != StatusPending {
				return nil, errCancelNotPending
			}
			if a.Reason != "no longer needed" && a.Reason != "ordered by mistake" {
				return nil, errInvalidReason
			}
			// Every history entry (refunds included) is refunded; gift cards
			// are credited as the loop goes, so a later failure keeps them.
			refunds := make([]OrderPayment, 0, len(o.PaymentHistory))
			for _, p := range o.PaymentHistory {
				refunds = append(refunds, OrderPayment{TransactionType: TransactionRefund, Amount: p.Amount, PaymentMethodID: p.PaymentMethodID})
				u, err := d.user(o.UserID)
				if err != nil {
					return nil, err
				}
				pm, err := d.paymentMethod(u.UserID, p.PaymentMethodID)
				if err != nil {
					return nil, err
				}
				if pm.IsGiftCard() {
					d.addBalance(u.UserID, p.PaymentMethodID, p.Amount)
				}
			}
			m, _ := d.Orders.Mut(a.OrderID)
			m.Status = StatusCancelled
			m.CancelReason = &a.Reason
			m.PaymentHistory = append(m.PaymentHistory, refunds...)
			return m, nil
		}))
}

func exchangeDeliveredOrderItemsTool() *envs.Tool {
	type args struct {
		OrderID         string   `json:"order_id"`
		ItemIDs         []string `json:"item_ids"`
		NewItemIDs      []string `json:"new_item_ids"`
		PaymentMethodID string   `json:"payment_method_id"`
	}
	return envs.NewTool("exchange_delivered_order_items", envs.Write,
		"Exchange items in a delivered order to new items of the same product type.\n\n"+
			"For a delivered order, return or exchange can be only done once by the agent.\n"+
			"The agent needs to explain the exchange detail and ask for explicit user confirmation (yes/no) to proceed.",
		schema(
			param{name: "order_id", desc: descOrderID},
			param{name: "item_ids", list: true, desc: "The item ids to be exchanged, each such as '1008292230'. There could be duplicate items in the list."},
			param{name: "new_item_ids", list: true, desc: "The item ids to be exchanged for, each such as '1008292230'.\n" +
				"There could be duplicate items in the list. Each new item id should match the item id\n" +
				"in the same position and be of the same product."},
			param{name: "payment_method_id", desc: "The payment method id to pay or receive refund for the item price difference,\n" +
				"such as 'gift_card_0000000' or 'credit_card_0000000'. These can be looked up\n" +
				"from the user or order details."},
		),
		envs.Bind(func(d *DB, a args) (any, error) {
			o, err := d.order(a.OrderID)
			if err != nil {
				return nil, err
			}
			if o.Status != StatusDelivered {
				return nil, errExchangeNotDeliv
			}
			if id, bad := excessItem(a.ItemIDs, o.Items); bad {
				return nil, fmt.Errorf("Number of %s not found.", id)
			}
			if len(a.ItemIDs) != len(a.NewItemIDs) {
				return nil, errExchangeCount
			}
			diff, _, err := priceDifference(d, o, a.ItemIDs, a.NewItemIDs, false)
			if err != nil {
				return nil, err
			}
			diff = roundCents(diff)
			n := floatNumber(diff)
			if len(a.ItemIDs) == 0 {
				// Python's accumulator starts as the int 0 and round(0, 2)
				// keeps it an int.
				n = intNumber(0)
			}
			pm, err := d.paymentMethod(o.UserID, a.PaymentMethodID)
			if err != nil {
				return nil, err
			}
			if pm.IsGiftCard() && pm.Balance < diff {
				return nil, errExchangeGiftCard
			}
			m, _ := d.Orders.Mut(a.OrderID)
			m.Status = StatusExchangeRequested
			m.ExchangeItems = sortedCopy(a.ItemIDs)
			m.ExchangeNewItems = sortedCopy(a.NewItemIDs)
			m.ExchangePaymentMethodID = &a.PaymentMethodID
			m.ExchangePriceDifference = n
			return m, nil
		}))
}

func modifyPendingOrderAddressTool() *envs.Tool {
	type args struct {
		OrderID  string `json:"order_id"`
		Address1 string `json:"address1"`
		Address2 string `json:"address2"`
		City     string `json:"city"`
		State    string `json:"state"`
		Country  string `json:"country"`
		Zip      string `json:"zip"`
	}
	return envs.NewTool("modify_pending_order_address", envs.Write,
		"Modify the shipping address of a pending order. The agent needs to explain the modification detail and ask for explicit user confirmation (yes/no) to proceed.",
		schema(append([]param{{name: "order_id", desc: descOrderID}}, addressParams()...)...),
		envs.Bind(func(d *DB, a args) (any, error) {
			o, err := d.order(a.OrderID)
			if err != nil {
				return nil, err
			}
			if !strings.Contains(o.Status, StatusPending) {
				return nil, errModifyNotPending
			}
			m, _ := d.Orders.Mut(a.OrderID)
			m.Address = UserAddress{Address1: a.Address1, Address2: a.Address2, City: a.City, Country: a.Country, State: a.State, Zip: a.Zip}
			return m, nil
		}))
}

func modifyPendingOrderItemsTool() *envs.Tool {
	type args struct {
		OrderID         string   `json:"order_id"`
		ItemIDs         []string `json:"item_ids"`
		NewItemIDs      []string `json:"new_item_ids"`
		PaymentMethodID string   `json:"payment_method_id"`
	}
	return envs.NewTool("modify_pending_order_items", envs.Write,
		"Modify items in a pending order to new items of the same product type. For a pending order, this function can only be called once. The agent needs to explain the exchange detail and ask for explicit user confirmation (yes/no) to proceed.",
		schema(
			param{name: "order_id", desc: descOrderID},
			param{name: "item_ids", list: true, desc: "The item ids to be modified, each such as '1008292230'. There could be duplicate items in the list."},
			param{name: "new_item_ids", list: true, desc: "The item ids to be modified for, each such as '1008292230'. There could be duplicate items in the list. Each new item id should match the item id in the same position and be of the same product."},
			param{name: "payment_method_id", desc: descPaymentID},
		),
		envs.Bind(func(d *DB, a args) (any, error) {
			o, err := d.order(a.OrderID)
			if err != nil {
				return nil, err
			}
			if o.Status != StatusPending {
				return nil, errModifyNotPending
			}
			if id, bad := excessItem(a.ItemIDs, o.Items); bad {
				return nil, fmt.Errorf("%s not found", id)
			}
			if len(a.ItemIDs) != len(a.NewItemIDs) {
				return nil, errModifyCount
			}
			diff, last, err := priceDifference(d, o, a.ItemIDs, a.NewItemIDs, true)
			if err != nil {
				return nil, err
			}
			pm, err := d.paymentMethod(o.UserID, a.PaymentMethodID)
			if err != nil {
				return nil, err
			}
			if pm.IsGiftCard() && pm.Balance < diff {
				return nil, errModifyGiftCard
			}
			typ := TransactionRefund
			if diff > 0 {
				typ = TransactionPayment
			}
			m, _ := d.Orders.Mut(a.OrderID)
			m.PaymentHistory = append(m.PaymentHistory, OrderPayment{TransactionType: typ, Amount: abs(diff), PaymentMethodID: a.PaymentMethodID})
			if pm.IsGiftCard() {
				d.addBalance(o.UserID, a.PaymentMethodID, -diff)
			}
			// tau2 gives every modified item the price and options of the
			// last new item looked up above, not of its own new item.
			for i, id := range a.ItemIDs {
				k := firstItem(m.Items, id)
				if k < 0 {
					return nil, fmt.Errorf("Item %s not found", id)
				}
				m.Items[k].ItemID = a.NewItemIDs[i]
				m.Items[k].Price = last.Price
				m.Items[k].Options = last.Options.Clone()
			}
			m.Status = StatusPendingModified
			return m, nil
		}))
}

func modifyPendingOrderPaymentTool() *envs.Tool {
	type args struct {
		OrderID         string `json:"order_id"`
		PaymentMethodID string `json:"payment_method_id"`
	}
	return envs.NewTool("modify_pending_order_payment", envs.Write,
		"Modify the payment method of a pending order. The agent needs to explain the modification detail and ask for explicit user confirmation (yes/no) to proceed.",
		schema(
			param{name: "order_id", desc: descOrderID},
			param{name: "payment_method_id", desc: descPaymentID},
		),
		envs.Bind(func(d *DB, a args) (any, error) {
			o, err := d.order(a.OrderID)
			if err != nil {
				return nil, err
			}
			if !strings.Contains(o.Status, StatusPending) {
				return nil, errModifyNotPending
			}
			pm, err := d.paymentMethod(o.UserID, a.PaymentMethodID)
			if err != nil {
				return nil, err
			}
			if len(o.PaymentHistory) != 1 || o.PaymentHistory[0].TransactionType != TransactionPayment {
				return nil, errPaymentNotSingle
			}
			old := o.PaymentHistory[0].PaymentMethodID
			if old == a.PaymentMethodID {
				return nil, errPaymentSame
			}
			amount := o.PaymentHistory[0].Amount
			if pm.IsGiftCard() && pm.Balance < amount {
				return nil, errPaymentGiftCard
			}
			m, _ := d.Orders.Mut(a.OrderID)
			m.PaymentHistory = append(m.PaymentHistory,
				OrderPayment{TransactionType: TransactionPayment, Amount: amount, PaymentMethodID: a.PaymentMethodID},
				OrderPayment{TransactionType: TransactionRefund, Amount: amount, PaymentMethodID: old},
			)
			if pm.IsGiftCard() {
				d.addBalance(m.UserID, a.PaymentMethodID, -amount)
			}
			// The old method is looked up only now: if it is gone, tau2
			// fails after having changed the order.
			oldPM, err := d.paymentMethod(m.UserID, old)
			if err != nil {
				return nil, err
			}
			if oldPM.IsGiftCard() {
				d.addBalance(m.UserID, old, amount)
			}
			return m, nil
		}))
}

func modifyUserAddressTool() *envs.Tool {
	type args struct {
		UserID   string `json:"user_id"`
		Address1 string `json:"address1"`
		Address2 string `json:"address2"`
		City     string `json:"city"`
		State    string `json:"state"`
		Country  string `json:"country"`
		Zip      string `json:"zip"`
	}
	return envs.NewTool("modify_user_address", envs.Write,
		"Modify the default address of a user. The agent needs to explain the modification detail and ask for explicit user confirmation (yes/no) to proceed.",
		schema(append([]param{{name: "user_id", desc: descUserID}}, addressParams()...)...),
		envs.Bind(func(d *DB, a args) (any, error) {
			u, ok := d.Users.Mut(a.UserID)
			if !ok {
				return nil, errUserNotFound
			}
			u.Address = UserAddress{Address1: a.Address1, Address2: a.Address2, City: a.City, Country: a.Country, State: a.State, Zip: a.Zip}
			return u, nil
		}))
}

func returnDeliveredOrderItemsTool() *envs.Tool {
	type args struct {
		OrderID         string   `json:"order_id"`
		ItemIDs         []string `json:"item_ids"`
		PaymentMethodID string   `json:"payment_method_id"`
	}
	return envs.NewTool("return_delivered_order_items", envs.Write,
		"Return some items of a delivered order.\n\n"+
			"The order status will be changed to 'return requested'.\n"+
			"The agent needs to explain the return detail and ask for explicit user confirmation (yes/no) to proceed.\n"+
			"The user will receive follow-up email for how and where to return the item.",
		schema(
			param{name: "order_id", desc: descOrderID},
			param{name: "item_ids", list: true, desc: "The item ids to be returned, each such as '1008292230'. There could be duplicate items in the list."},
			param{name: "payment_method_id", desc: "The payment method id to pay or receive refund for the item price difference, such as 'gift_card_0000000' or 'credit_card_0000000'.\n" +
				"These can be looked up from the user or order details."},
		),
		envs.Bind(func(d *DB, a args) (any, error) {
			o, err := d.order(a.OrderID)
			if err != nil {
				return nil, err
			}
			if o.Status != StatusDelivered {
				return nil, errReturnNotDelivered
			}
			u, err := d.user(o.UserID)
			if err != nil {
				return nil, err
			}
			pm, err := d.paymentMethod(u.UserID, a.PaymentMethodID)
			if err != nil {
				return nil, err
			}
			if !pm.IsGiftCard() {
				if len(o.PaymentHistory) == 0 {
					return nil, errIndexOutOfRange
				}
				if a.PaymentMethodID != o.PaymentHistory[0].PaymentMethodID {
					return nil, errReturnPayment
				}
			}
			if _, bad := excessItem(a.ItemIDs, o.Items); bad {
				return nil, errReturnItems
			}
			m, _ := d.Orders.Mut(a.OrderID)
			m.Status = StatusReturnRequested
			m.ReturnItems = sortedCopy(a.ItemIDs)
			m.ReturnPaymentMethodID = &a.PaymentMethodID
			return m, nil
		}))
}
