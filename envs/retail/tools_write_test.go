package retail_test

import "testing"

// TestWriteTools checks every write tool's happy path and error branches
// against the exact strings tau2 returns on its retail data. The "Item ...
// not found" raises after the count checks of exchange and modify cannot
// be reached (the count check guarantees the item); branches needing
// records tau2's data lacks are in TestEdgeBranches.
func TestWriteTools(t *testing.T) {
	cases := []toolCase{
		// happy path: refund appended, gift card credited
		{name: "cancel gift card order", tool: "cancel_pending_order", args: `{"order_id":"#W6779827","reason":"no longer needed"}`, err: false,
			want: `{"order_id": "#W6779827", "user_id": "ethan_lopez_6291", "address": {"address1": "103 Hillcrest Drive", "address2": "Suite 162", "city": "Columbus", "country": "USA", "state": "OH", "zip": "43275"}, "items": [{"name": "Dumbbell Set", "product_id": "7233192239", "item_id": "7896397433", "price": 457.81, "options": {"weight range": "5-25 lbs", "material": "rubber", "set type": "adjustable"}}, {"name": "Espresso Machine", "product_id": "4354588079", "item_id": "3379843752", "price": 3203.76, "options": {"pressure": "19 bar", "capacity": "2L", "type": "manual"}}, {"name": "Coffee Maker", "product_id": "7996920482", "item_id": "1323134954", "price": 236.95, "options": {"color": "stainless steel", "capacity": "4 cups", "type": "drip", "features": "built-in grinder"}}, {"name": "Pet Bed", "product_id": "2747247837", "item_id": "6942241102", "price": 180.93, "options": {"size": "large", "material": "memory foam", "color": "beige"}}], "status": "cancelled", "fulfillments": [], "payment_history": [{"transaction_type": "payment", "amount": 4079.45, "payment_method_id": "gift_card_7219486"}, {"transaction_type": "refund", "amount": 4079.45, "payment_method_id": "gift_card_7219486"}], "cancel_reason": "no longer needed", "exchange_items": null, "exchange_new_items": null, "exchange_payment_method_id": null, "exchange_price_difference": null, "return_items": null, "return_payment_method_id": null}`},
		// _get_order: raise ValueError("Order not found")
		{name: "cancel order not found", tool: "cancel_pending_order", args: `{"order_id":"W6779827","reason":"no longer needed"}`, err: true,
			want: `Error: Order not found`},
		// order.status != "pending"
		{name: "cancel non-pending", tool: "cancel_pending_order", args: `{"order_id":"#W2611340","reason":"no longer needed"}`, err: true,
			want: `Error: Non-pending order cannot be cancelled`},
		// order.status != "pending" after a cancellation
		{name: "cancel twice", setup: []call{{"cancel_pending_order", `{"order_id":"#W7208030","reason":"ordered by mistake"}`}}, tool: "cancel_pending_order", args: `{"order_id":"#W7208030","reason":"ordered by mistake"}`, err: true,
			want: `Error: Non-pending order cannot be cancelled`},
		// reason not in {...}: raise ValueError("Invalid reason")
		{name: "cancel invalid reason", tool: "cancel_pending_order", args: `{"order_id":"#W6779827","reason":"changed my mind"}`, err: true,
			want: `Error: Invalid reason`},
		// happy path: status, sorted item lists, rounded price difference
		{name: "exchange", tool: "exchange_delivered_order_items", args: `{"order_id":"#W2941275","item_ids":["7843064651"],"new_item_ids":["4579334072"],"payment_method_id":"gift_card_4855547"}`, err: false,
			want: `{"order_id": "#W2941275", "user_id": "ava_lopez_2676", "address": {"address1": "836 Hickory Lane", "address2": "Suite 848", "city": "San Diego", "country": "USA", "state": "CA", "zip": "92168"}, "items": [{"name": "Digital Camera", "product_id": "8940227892", "item_id": "1804581713", "price": 2875.61, "options": {"resolution": "30MP", "zoom": "3x", "storage": "SD card"}}, {"name": "Water Bottle", "product_id": "8310926033", "item_id": "7843064651", "price": 50.14, "options": {"capacity": "750ml", "material": "stainless steel", "color": "blue"}}], "status": "exchange requested", "fulfillments": [{"tracking_id": ["812944125475"], "item_ids": ["1804581713", "7843064651"]}], "payment_history": [{"transaction_type": "payment", "amount": 2925.75, "payment_method_id": "credit_card_7772870"}], "cancel_reason": null, "exchange_items": ["7843064651"], "exchange_new_items": ["4579334072"], "exchange_payment_method_id": "gift_card_4855547", "exchange_price_difference": 4.71, "return_items": null, "return_payment_method_id": null}`},
		// _get_order
		{name: "exchange order not found", tool: "exchange_delivered_order_items", args: `{"order_id":"#W1","item_ids":[],"new_item_ids":[],"payment_method_id":"gift_card_4855547"}`, err: true,
			want: `Error: Order not found`},
		// order.status != "delivered"
		{name: "exchange non-delivered", tool: "exchange_delivered_order_items", args: `{"order_id":"#W6779827","item_ids":[],"new_item_ids":[],"payment_method_id":"gift_card_7219486"}`, err: true,
			want: `Error: Non-delivered order cannot be exchanged`},
		// item_ids.count(item_id) > all_item_ids.count(item_id)
		{name: "exchange too many of an item", tool: "exchange_delivered_order_items", args: `{"order_id":"#W4316152","item_ids":["7292993796","7292993796","7292993796"],"new_item_ids":["9647374798","9647374798","9647374798"],"payment_method_id":"gift_card_7245904"}`, err: true,
			want: `Error: Number of 7292993796 not found.`},
		// len(item_ids) != len(new_item_ids)
		{name: "exchange length mismatch", tool: "exchange_delivered_order_items", args: `{"order_id":"#W4316152","item_ids":["7292993796"],"new_item_ids":[],"payment_method_id":"gift_card_7245904"}`, err: true,
			want: `Error: The number of items to be exchanged should match.`},
		// _get_variant: raise ValueError("Variant not found")
		{name: "exchange variant of another product", tool: "exchange_delivered_order_items", args: `{"order_id":"#W4316152","item_ids":["7292993796"],"new_item_ids":["3928046918"],"payment_method_id":"gift_card_7245904"}`, err: true,
			want: `Error: Variant not found`},
		// not variant.available
		{name: "exchange unavailable item", tool: "exchange_delivered_order_items", args: `{"order_id":"#W4316152","item_ids":["7292993796"],"new_item_ids":["6454334990"],"payment_method_id":"gift_card_7245904"}`, err: true,
			want: `Error: New item 6454334990 not found or available`},
		// _get_payment_method: raise ValueError("Payment method not found")
		{name: "exchange payment method not found", tool: "exchange_delivered_order_items", args: `{"order_id":"#W4316152","item_ids":["7292993796"],"new_item_ids":["4238115171"],"payment_method_id":"credit_card_1"}`, err: true,
			want: `Error: Payment method not found`},
		// GiftCard and payment_method.balance < diff_price
		{name: "exchange gift card too small", tool: "exchange_delivered_order_items", args: `{"order_id":"#W4316152","item_ids":["7292993796","7292993796"],"new_item_ids":["9647374798","9647374798"],"payment_method_id":"gift_card_7245904"}`, err: true,
			want: `Error: Insufficient gift card balance to pay for the price difference`},
		// diff_price stays the int 0: dumped as 0, not 0.0
		{name: "exchange nothing", tool: "exchange_delivered_order_items", args: `{"order_id":"#W4316152","item_ids":[],"new_item_ids":[],"payment_method_id":"gift_card_7245904"}`, err: false,
			want: `{"order_id": "#W4316152", "user_id": "aarav_anderson_8794", "address": {"address1": "931 Maple Drive", "address2": "Suite 985", "city": "Philadelphia", "country": "USA", "state": "PA", "zip": "19031"}, "items": [{"name": "Tea Kettle", "product_id": "9832717871", "item_id": "7292993796", "price": 94.8, "options": {"material": "glass", "capacity": "2 liters", "stovetop compatibility": "induction"}}, {"name": "Tea Kettle", "product_id": "9832717871", "item_id": "7292993796", "price": 94.8, "options": {"material": "glass", "capacity": "2 liters", "stovetop compatibility": "induction"}}], "status": "exchange requested", "fulfillments": [{"tracking_id": ["555227871167"], "item_ids": ["7292993796", "7292993796"]}], "payment_history": [{"transaction_type": "payment", "amount": 189.6, "payment_method_id": "gift_card_7245904"}], "cancel_reason": null, "exchange_items": [], "exchange_new_items": [], "exchange_payment_method_id": "gift_card_7245904", "exchange_price_difference": 0, "return_items": null, "return_payment_method_id": null}`},
		// happy path: new UserAddress
		{name: "modify order address", tool: "modify_pending_order_address", args: `{"order_id":"#W7208030","address1":"1 Elm St","address2":"","city":"Austin","state":"TX","country":"USA","zip":"73301"}`, err: false,
			want: `{"order_id": "#W7208030", "user_id": "liam_lee_5696", "address": {"address1": "1 Elm St", "address2": "", "city": "Austin", "country": "USA", "state": "TX", "zip": "73301"}, "items": [{"name": "Garden Hose", "product_id": "6679515468", "item_id": "5753502325", "price": 96.35, "options": {"length": "25ft", "material": "rubber", "color": "green"}}, {"name": "Garden Hose", "product_id": "6679515468", "item_id": "5753502325", "price": 96.35, "options": {"length": "25ft", "material": "rubber", "color": "green"}}], "status": "pending", "fulfillments": [], "payment_history": [{"transaction_type": "payment", "amount": 192.7, "payment_method_id": "credit_card_5809636"}], "cancel_reason": null, "exchange_items": null, "exchange_new_items": null, "exchange_payment_method_id": null, "exchange_price_difference": null, "return_items": null, "return_payment_method_id": null}`},
		// _get_order
		{name: "modify order address not found", tool: "modify_pending_order_address", args: `{"order_id":"#W0","address1":"1 Elm St","address2":"","city":"Austin","state":"TX","country":"USA","zip":"73301"}`, err: true,
			want: `Error: Order not found`},
		// not _is_pending_order(order)
		{name: "modify order address non-pending", tool: "modify_pending_order_address", args: `{"order_id":"#W4316152","address1":"1 Elm St","address2":"","city":"Austin","state":"TX","country":"USA","zip":"73301"}`, err: true,
			want: `Error: Non-pending order cannot be modified`},
		// "pending" in "pending (item modified)"
		{name: "modify order address after item change", setup: []call{{"modify_pending_order_items", `{"order_id":"#W7208030","item_ids":[],"new_item_ids":[],"payment_method_id":"credit_card_5809636"}`}}, tool: "modify_pending_order_address", args: `{"order_id":"#W7208030","address1":"1 Elm St","address2":"Apt 2","city":"Austin","state":"TX","country":"USA","zip":"73301"}`, err: false,
			want: `{"order_id": "#W7208030", "user_id": "liam_lee_5696", "address": {"address1": "1 Elm St", "address2": "Apt 2", "city": "Austin", "country": "USA", "state": "TX", "zip": "73301"}, "items": [{"name": "Garden Hose", "product_id": "6679515468", "item_id": "5753502325", "price": 96.35, "options": {"length": "25ft", "material": "rubber", "color": "green"}}, {"name": "Garden Hose", "product_id": "6679515468", "item_id": "5753502325", "price": 96.35, "options": {"length": "25ft", "material": "rubber", "color": "green"}}], "status": "pending (item modified)", "fulfillments": [], "payment_history": [{"transaction_type": "payment", "amount": 192.7, "payment_method_id": "credit_card_5809636"}, {"transaction_type": "refund", "amount": 0.0, "payment_method_id": "credit_card_5809636"}], "cancel_reason": null, "exchange_items": null, "exchange_new_items": null, "exchange_payment_method_id": null, "exchange_price_difference": null, "return_items": null, "return_payment_method_id": null}`},
		// happy path: payment appended, status changed
		{name: "modify items", tool: "modify_pending_order_items", args: `{"order_id":"#W7208030","item_ids":["5753502325"],"new_item_ids":["9829827210"],"payment_method_id":"credit_card_5809636"}`, err: false,
			want: `{"order_id": "#W7208030", "user_id": "liam_lee_5696", "address": {"address1": "668 Highland Drive", "address2": "Suite 584", "city": "Fort Worth", "country": "USA", "state": "TX", "zip": "76176"}, "items": [{"name": "Garden Hose", "product_id": "6679515468", "item_id": "9829827210", "price": 90.43, "options": {"length": "25ft", "material": "vinyl", "color": "blue"}}, {"name": "Garden Hose", "product_id": "6679515468", "item_id": "5753502325", "price": 96.35, "options": {"length": "25ft", "material": "rubber", "color": "green"}}], "status": "pending (item modified)", "fulfillments": [], "payment_history": [{"transaction_type": "payment", "amount": 192.7, "payment_method_id": "credit_card_5809636"}, {"transaction_type": "refund", "amount": 5.9199999999999875, "payment_method_id": "credit_card_5809636"}], "cancel_reason": null, "exchange_items": null, "exchange_new_items": null, "exchange_payment_method_id": null, "exchange_price_difference": null, "return_items": null, "return_payment_method_id": null}`},
		// _get_order
		{name: "modify items not found", tool: "modify_pending_order_items", args: `{"order_id":"#W0","item_ids":[],"new_item_ids":[],"payment_method_id":"credit_card_5809636"}`, err: true,
			want: `Error: Order not found`},
		// order.status != "pending"
		{name: "modify items non-pending", tool: "modify_pending_order_items", args: `{"order_id":"#W2611340","item_ids":[],"new_item_ids":[],"payment_method_id":"gift_card_1725971"}`, err: true,
			want: `Error: Non-pending order cannot be modified`},
		// order.status != "pending": "pending (item modified)" is rejected
		{name: "modify items twice", setup: []call{{"modify_pending_order_items", `{"order_id":"#W7208030","item_ids":[],"new_item_ids":[],"payment_method_id":"credit_card_5809636"}`}}, tool: "modify_pending_order_items", args: `{"order_id":"#W7208030","item_ids":[],"new_item_ids":[],"payment_method_id":"credit_card_5809636"}`, err: true,
			want: `Error: Non-pending order cannot be modified`},
		// item_ids.count(item_id) > all_item_ids.count(item_id)
		{name: "modify items too many of an item", tool: "modify_pending_order_items", args: `{"order_id":"#W7208030","item_ids":["5753502325","5753502325","5753502325"],"new_item_ids":["9829827210","9829827210","9829827210"],"payment_method_id":"credit_card_5809636"}`, err: true,
			want: `Error: 5753502325 not found`},
		// len(item_ids) != len(new_item_ids)
		{name: "modify items length mismatch", tool: "modify_pending_order_items", args: `{"order_id":"#W7208030","item_ids":["5753502325"],"new_item_ids":["9829827210","8481719475"],"payment_method_id":"credit_card_5809636"}`, err: true,
			want: `Error: The number of items to be exchanged should match`},
		// item_id == new_item_id
		{name: "modify items same item", tool: "modify_pending_order_items", args: `{"order_id":"#W7208030","item_ids":["5753502325"],"new_item_ids":["5753502325"],"payment_method_id":"credit_card_5809636"}`, err: true,
			want: `Error: The new item id should be different from the old item id`},
		// _get_variant
		{name: "modify items variant of another product", tool: "modify_pending_order_items", args: `{"order_id":"#W7208030","item_ids":["5753502325"],"new_item_ids":["3928046918"],"payment_method_id":"credit_card_5809636"}`, err: true,
			want: `Error: Variant not found`},
		// not variant.available
		{name: "modify items unavailable", tool: "modify_pending_order_items", args: `{"order_id":"#W7208030","item_ids":["5753502325"],"new_item_ids":["8249784860"],"payment_method_id":"credit_card_5809636"}`, err: true,
			want: `Error: New item 8249784860 not found or available`},
		// _get_payment_method
		{name: "modify items payment method not found", tool: "modify_pending_order_items", args: `{"order_id":"#W7208030","item_ids":["5753502325"],"new_item_ids":["9829827210"],"payment_method_id":"paypal_1"}`, err: true,
			want: `Error: Payment method not found`},
		// GiftCard and payment_method.balance < diff_price
		{name: "modify items gift card too small", tool: "modify_pending_order_items", args: `{"order_id":"#W6779827","item_ids":["3379843752"],"new_item_ids":["3951031513"],"payment_method_id":"gift_card_7219486"}`, err: true,
			want: `Error: Insufficient gift card balance to pay for the new item`},
		// happy path: payment and refund appended, gift card refunded
		{name: "modify payment", tool: "modify_pending_order_payment", args: `{"order_id":"#W6779827","payment_method_id":"credit_card_9789590"}`, err: false,
			want: `{"order_id": "#W6779827", "user_id": "ethan_lopez_6291", "address": {"address1": "103 Hillcrest Drive", "address2": "Suite 162", "city": "Columbus", "country": "USA", "state": "OH", "zip": "43275"}, "items": [{"name": "Dumbbell Set", "product_id": "7233192239", "item_id": "7896397433", "price": 457.81, "options": {"weight range": "5-25 lbs", "material": "rubber", "set type": "adjustable"}}, {"name": "Espresso Machine", "product_id": "4354588079", "item_id": "3379843752", "price": 3203.76, "options": {"pressure": "19 bar", "capacity": "2L", "type": "manual"}}, {"name": "Coffee Maker", "product_id": "7996920482", "item_id": "1323134954", "price": 236.95, "options": {"color": "stainless steel", "capacity": "4 cups", "type": "drip", "features": "built-in grinder"}}, {"name": "Pet Bed", "product_id": "2747247837", "item_id": "6942241102", "price": 180.93, "options": {"size": "large", "material": "memory foam", "color": "beige"}}], "status": "pending", "fulfillments": [], "payment_history": [{"transaction_type": "payment", "amount": 4079.45, "payment_method_id": "gift_card_7219486"}, {"transaction_type": "payment", "amount": 4079.45, "payment_method_id": "credit_card_9789590"}, {"transaction_type": "refund", "amount": 4079.45, "payment_method_id": "gift_card_7219486"}], "cancel_reason": null, "exchange_items": null, "exchange_new_items": null, "exchange_payment_method_id": null, "exchange_price_difference": null, "return_items": null, "return_payment_method_id": null}`},
		// _get_order
		{name: "modify payment not found", tool: "modify_pending_order_payment", args: `{"order_id":"#W0","payment_method_id":"credit_card_9789590"}`, err: true,
			want: `Error: Order not found`},
		// not _is_pending_order(order)
		{name: "modify payment non-pending", tool: "modify_pending_order_payment", args: `{"order_id":"#W2611340","payment_method_id":"gift_card_1725971"}`, err: true,
			want: `Error: Non-pending order cannot be modified`},
		// _get_payment_method
		{name: "modify payment method not found", tool: "modify_pending_order_payment", args: `{"order_id":"#W6779827","payment_method_id":"paypal_1"}`, err: true,
			want: `Error: Payment method not found`},
		// len(order.payment_history) != 1
		{name: "modify payment twice", setup: []call{{"modify_pending_order_payment", `{"order_id":"#W6779827","payment_method_id":"credit_card_9789590"}`}}, tool: "modify_pending_order_payment", args: `{"order_id":"#W6779827","payment_method_id":"gift_card_7219486"}`, err: true,
			want: `Error: There should be exactly one payment for a pending order`},
		// order.payment_history[0].payment_method_id == payment_method_id
		{name: "modify payment same method", tool: "modify_pending_order_payment", args: `{"order_id":"#W6779827","payment_method_id":"gift_card_7219486"}`, err: true,
			want: `Error: The new payment method should be different from the current one`},
		// GiftCard and payment_method.balance < amount
		{name: "modify payment gift card too small", tool: "modify_pending_order_payment", args: `{"order_id":"#W7634667","payment_method_id":"gift_card_4019778"}`, err: true,
			want: `Error: Insufficient gift card balance to pay for the order`},
		// happy path: new UserAddress
		{name: "modify user address", tool: "modify_user_address", args: `{"user_id":"chen_smith_8425","address1":"5 Oak Ave","address2":"Unit 3","city":"Miami","state":"FL","country":"USA","zip":"33101"}`, err: false,
			want: `{"user_id": "chen_smith_8425", "name": {"first_name": "Chen", "last_name": "Smith"}, "address": {"address1": "5 Oak Ave", "address2": "Unit 3", "city": "Miami", "country": "USA", "state": "FL", "zip": "33101"}, "email": "chen.smith7677@example.com", "payment_methods": {"gift_card_4796172": {"source": "gift_card", "id": "gift_card_4796172", "balance": 47.0}, "credit_card_6177109": {"source": "credit_card", "id": "credit_card_6177109", "brand": "visa", "last_four": "9488"}, "paypal_9175769": {"source": "paypal", "id": "paypal_9175769"}}, "orders": ["#W8859225"]}`},
		// _get_user
		{name: "modify user address not found", tool: "modify_user_address", args: `{"user_id":"nobody_1","address1":"5 Oak Ave","address2":"","city":"Miami","state":"FL","country":"USA","zip":"33101"}`, err: true,
			want: `Error: User not found`},
		// happy path: status, sorted return_items
		{name: "return", tool: "return_delivered_order_items", args: `{"order_id":"#W4316152","item_ids":["7292993796","7292993796"],"payment_method_id":"gift_card_7245904"}`, err: false,
			want: `{"order_id": "#W4316152", "user_id": "aarav_anderson_8794", "address": {"address1": "931 Maple Drive", "address2": "Suite 985", "city": "Philadelphia", "country": "USA", "state": "PA", "zip": "19031"}, "items": [{"name": "Tea Kettle", "product_id": "9832717871", "item_id": "7292993796", "price": 94.8, "options": {"material": "glass", "capacity": "2 liters", "stovetop compatibility": "induction"}}, {"name": "Tea Kettle", "product_id": "9832717871", "item_id": "7292993796", "price": 94.8, "options": {"material": "glass", "capacity": "2 liters", "stovetop compatibility": "induction"}}], "status": "return requested", "fulfillments": [{"tracking_id": ["555227871167"], "item_ids": ["7292993796", "7292993796"]}], "payment_history": [{"transaction_type": "payment", "amount": 189.6, "payment_method_id": "gift_card_7245904"}], "cancel_reason": null, "exchange_items": null, "exchange_new_items": null, "exchange_payment_method_id": null, "exchange_price_difference": null, "return_items": ["7292993796", "7292993796"], "return_payment_method_id": "gift_card_7245904"}`},
		// _get_order
		{name: "return not found", tool: "return_delivered_order_items", args: `{"order_id":"#W0","item_ids":[],"payment_method_id":"gift_card_7245904"}`, err: true,
			want: `Error: Order not found`},
		// order.status != "delivered"
		{name: "return non-delivered", tool: "return_delivered_order_items", args: `{"order_id":"#W6779827","item_ids":[],"payment_method_id":"gift_card_7219486"}`, err: true,
			want: `Error: Non-delivered order cannot be returned`},
		// _get_payment_method
		{name: "return payment method not found", tool: "return_delivered_order_items", args: `{"order_id":"#W9077205","item_ids":["9370300555"],"payment_method_id":"paypal_0"}`, err: true,
			want: `Error: Payment method not found`},
		// not GiftCard and payment_method_id != order.payment_history[0].payment_method_id
		{name: "return not original method", tool: "return_delivered_order_items", args: `{"order_id":"#W9077205","item_ids":["9370300555"],"payment_method_id":"paypal_4101143"}`, err: true,
			want: `Error: Payment method should be the original payment method`},
		// raise ValueError("Some item not found")
		{name: "return too many of an item", tool: "return_delivered_order_items", args: `{"order_id":"#W4316152","item_ids":["7292993796","7292993796","7292993796"],"payment_method_id":"gift_card_7245904"}`, err: true,
			want: `Error: Some item not found`},
		// TypeError from the call
		{name: "missing arguments", tool: "exchange_delivered_order_items", args: `{"order_id":"#W4316152"}`, err: true,
			want: `Error: RetailTools.exchange_delivered_order_items() missing 3 required positional arguments: 'item_ids', 'new_item_ids', and 'payment_method_id'`},
	}
	runCases(t, loadDomain(t), cases)
}
