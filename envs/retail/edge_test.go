package retail_test

import (
	"testing"

	"github.com/eigendata/eigendata/envs/retail"
)

// TestEdgeBranches covers the branches tau2's data cannot reach (a missing
// user, product or payment method, an order without payments) and tau2's
// quirks, on a small database built with the exported record types.
func TestEdgeBranches(t *testing.T) {
	cases := []toolCase{
		// _get_user inside the refund loop
		{name: "cancel order of missing user", tool: "cancel_pending_order", args: `{"order_id":"#P2","reason":"no longer needed"}`, err: true,
			want: `Error: User not found`},
		// _get_payment_method inside the refund loop
		{name: "cancel with missing payment method", tool: "cancel_pending_order", args: `{"order_id":"#P3","reason":"no longer needed"}`, err: true,
			want: `Error: Payment method not found`},
		// empty payment history: no refunds
		{name: "cancel without payments", tool: "cancel_pending_order", args: `{"order_id":"#P4","reason":"ordered by mistake"}`, err: false,
			want: `{"order_id": "#P4", "user_id": "alice_1", "address": {"address1": "1 Main St", "address2": "", "city": "Springfield", "country": "USA", "state": "IL", "zip": "11111"}, "items": [{"name": "Widget", "product_id": "100", "item_id": "1001", "price": 10.0, "options": {"color": "red"}}], "status": "cancelled", "fulfillments": [], "payment_history": [], "cancel_reason": "ordered by mistake", "exchange_items": null, "exchange_new_items": null, "exchange_payment_method_id": null, "exchange_price_difference": null, "return_items": null, "return_payment_method_id": null}`},
		// payment_method.balance += payment.amount
		{name: "cancel refunds gift card", setup: []call{{"cancel_pending_order", `{"order_id":"#P1","reason":"no longer needed"}`}}, tool: "get_user_details", args: `{"user_id":"alice_1"}`, err: false,
			want: `{"user_id": "alice_1", "name": {"first_name": "Alice", "last_name": "Smith"}, "address": {"address1": "1 Main St", "address2": "", "city": "Springfield", "country": "USA", "state": "IL", "zip": "11111"}, "email": "alice@example.com", "payment_methods": {"gift_card_1": {"source": "gift_card", "id": "gift_card_1", "balance": 90.0}, "credit_card_1": {"source": "credit_card", "id": "credit_card_1", "brand": "visa", "last_four": "1234"}, "paypal_1": {"source": "paypal", "id": "paypal_1"}}, "orders": ["#P1", "#P3", "#P4", "#D1", "#D2", "#D3"]}`},
		// _get_payment_method -> _get_user
		{name: "modify payment of missing user", tool: "modify_pending_order_payment", args: `{"order_id":"#P2","payment_method_id":"paypal_1"}`, err: true,
			want: `Error: User not found`},
		// len(order.payment_history) != 1
		{name: "modify payment without payments", tool: "modify_pending_order_payment", args: `{"order_id":"#P4","payment_method_id":"paypal_1"}`, err: true,
			want: `Error: There should be exactly one payment for a pending order`},
		// old method looked up after the history was extended
		{name: "modify payment with missing old method", tool: "modify_pending_order_payment", args: `{"order_id":"#P3","payment_method_id":"credit_card_1"}`, err: true,
			want: `Error: Payment method not found`},
		// the order was changed before the raise
		{name: "modify payment with missing old method keeps changes", setup: []call{{"modify_pending_order_payment", `{"order_id":"#P3","payment_method_id":"credit_card_1"}`}}, tool: "get_order_details", args: `{"order_id":"#P3"}`, err: false,
			want: `{"order_id": "#P3", "user_id": "alice_1", "address": {"address1": "1 Main St", "address2": "", "city": "Springfield", "country": "USA", "state": "IL", "zip": "11111"}, "items": [{"name": "Widget", "product_id": "100", "item_id": "1002", "price": 12.5, "options": {"color": "blue"}}], "status": "pending", "fulfillments": [], "payment_history": [{"transaction_type": "payment", "amount": 12.5, "payment_method_id": "credit_card_9"}, {"transaction_type": "payment", "amount": 12.5, "payment_method_id": "credit_card_1"}, {"transaction_type": "refund", "amount": 12.5, "payment_method_id": "credit_card_9"}], "cancel_reason": null, "exchange_items": null, "exchange_new_items": null, "exchange_payment_method_id": null, "exchange_price_difference": null, "return_items": null, "return_payment_method_id": null}`},
		// _get_payment_method -> _get_user
		{name: "modify items of missing user", tool: "modify_pending_order_items", args: `{"order_id":"#P2","item_ids":["1001"],"new_item_ids":["1002"],"payment_method_id":"credit_card_1"}`, err: true,
			want: `Error: User not found`},
		// item.price = variant.price: the last variant of the first loop
		{name: "modify items uses last variant", tool: "modify_pending_order_items", args: `{"order_id":"#P1","item_ids":["1001","2001"],"new_item_ids":["1002","2002"],"payment_method_id":"credit_card_1"}`, err: false,
			want: `{"order_id": "#P1", "user_id": "alice_1", "address": {"address1": "1 Main St", "address2": "", "city": "Springfield", "country": "USA", "state": "IL", "zip": "11111"}, "items": [{"name": "Widget", "product_id": "100", "item_id": "1002", "price": 25.25, "options": {"size": "L"}}, {"name": "Widget", "product_id": "100", "item_id": "1001", "price": 10.0, "options": {"color": "red"}}, {"name": "Gadget", "product_id": "200", "item_id": "2002", "price": 25.25, "options": {"size": "L"}}], "status": "pending (item modified)", "fulfillments": [], "payment_history": [{"transaction_type": "payment", "amount": 40.0, "payment_method_id": "gift_card_1"}, {"transaction_type": "payment", "amount": 7.75, "payment_method_id": "credit_card_1"}], "cancel_reason": null, "exchange_items": null, "exchange_new_items": null, "exchange_payment_method_id": null, "exchange_price_difference": null, "return_items": null, "return_payment_method_id": null}`},
		// next(...) finds the first unmodified duplicate
		{name: "modify items duplicates", tool: "modify_pending_order_items", args: `{"order_id":"#P1","item_ids":["1001","1001"],"new_item_ids":["2002","1002"],"payment_method_id":"paypal_1"}`, err: true,
			want: `Error: Variant not found`},
		// payment_method.balance -= diff_price
		{name: "modify items debits gift card", setup: []call{{"modify_pending_order_items", `{"order_id":"#P1","item_ids":["2001","1001"],"new_item_ids":["2002","1002"],"payment_method_id":"gift_card_1"}`}}, tool: "get_user_details", args: `{"user_id":"alice_1"}`, err: false,
			want: `{"user_id": "alice_1", "name": {"first_name": "Alice", "last_name": "Smith"}, "address": {"address1": "1 Main St", "address2": "", "city": "Springfield", "country": "USA", "state": "IL", "zip": "11111"}, "email": "alice@example.com", "payment_methods": {"gift_card_1": {"source": "gift_card", "id": "gift_card_1", "balance": 42.25}, "credit_card_1": {"source": "credit_card", "id": "credit_card_1", "brand": "visa", "last_four": "1234"}, "paypal_1": {"source": "paypal", "id": "paypal_1"}}, "orders": ["#P1", "#P3", "#P4", "#D1", "#D2", "#D3"]}`},
		// order.payment_history[0]: IndexError
		{name: "return without payments", tool: "return_delivered_order_items", args: `{"order_id":"#D2","item_ids":["1001"],"payment_method_id":"credit_card_1"}`, err: true,
			want: `Error: list index out of range`},
		// GiftCard short-circuits the payment_history[0] check
		{name: "return without payments to gift card", tool: "return_delivered_order_items", args: `{"order_id":"#D2","item_ids":["1001"],"payment_method_id":"gift_card_1"}`, err: false,
			want: `{"order_id": "#D2", "user_id": "alice_1", "address": {"address1": "1 Main St", "address2": "", "city": "Springfield", "country": "USA", "state": "IL", "zip": "11111"}, "items": [{"name": "Widget", "product_id": "100", "item_id": "1001", "price": 10.0, "options": {"color": "red"}}], "status": "return requested", "fulfillments": [], "payment_history": [], "cancel_reason": null, "exchange_items": null, "exchange_new_items": null, "exchange_payment_method_id": null, "exchange_price_difference": null, "return_items": ["1001"], "return_payment_method_id": "gift_card_1"}`},
		// _get_user
		{name: "return of missing user", tool: "return_delivered_order_items", args: `{"order_id":"#D4","item_ids":["1001"],"payment_method_id":"paypal_1"}`, err: true,
			want: `Error: User not found`},
		// _get_variant -> _get_product
		{name: "exchange of missing product", tool: "exchange_delivered_order_items", args: `{"order_id":"#D3","item_ids":["9991"],"new_item_ids":["9992"],"payment_method_id":"credit_card_1"}`, err: true,
			want: `Error: Product not found`},
		// _get_payment_method -> _get_user
		{name: "exchange of missing user", tool: "exchange_delivered_order_items", args: `{"order_id":"#D4","item_ids":["1001"],"new_item_ids":["1002"],"payment_method_id":"paypal_1"}`, err: true,
			want: `Error: User not found`},
		// sorted(item_ids), sorted(new_item_ids)
		{name: "exchange sorts items", tool: "exchange_delivered_order_items", args: `{"order_id":"#D1","item_ids":["2001","1001"],"new_item_ids":["2002","1002"],"payment_method_id":"gift_card_1"}`, err: false,
			want: `{"order_id": "#D1", "user_id": "alice_1", "address": {"address1": "1 Main St", "address2": "", "city": "Springfield", "country": "USA", "state": "IL", "zip": "11111"}, "items": [{"name": "Widget", "product_id": "100", "item_id": "1001", "price": 10.0, "options": {"color": "red"}}, {"name": "Gadget", "product_id": "200", "item_id": "2001", "price": 20.0, "options": {"size": "S"}}], "status": "exchange requested", "fulfillments": [], "payment_history": [{"transaction_type": "payment", "amount": 30.0, "payment_method_id": "credit_card_1"}], "cancel_reason": null, "exchange_items": ["1001", "2001"], "exchange_new_items": ["1002", "2002"], "exchange_payment_method_id": "gift_card_1", "exchange_price_difference": 7.75, "return_items": null, "return_payment_method_id": null}`},
		// json.dumps(..., sort_keys=True)
		{name: "list product types", tool: "list_all_product_types", args: `{}`, err: false,
			want: `{"Gadget": "200", "Widget": "100"}`},
	}
	runCases(t, retail.New(miniDB(), "policy"), cases)
}
