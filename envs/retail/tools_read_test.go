package retail_test

import "testing"

// TestReadTools checks the read and generic tools (and argument errors)
// against the exact strings tau2 returns on its retail data; each case names
// the Python branch it exercises.
func TestReadTools(t *testing.T) {
	cases := []toolCase{
		// happy path: str(round(float(eval(expression)), 2))
		{name: "calculate", tool: "calculate", args: `{"expression":"(205.35 - 198.0) * 2"}`, err: false,
			want: `14.7`},
		// raise ValueError("Invalid characters in expression")
		{name: "calculate invalid characters", tool: "calculate", args: `{"expression":"2 x 3"}`, err: true,
			want: `Error: Invalid characters in expression`},
		// eval raises ZeroDivisionError
		{name: "calculate eval error", tool: "calculate", args: `{"expression":"1/0"}`, err: true,
			want: `Error: division by zero`},
		// payment_method.balance += payment.amount; round(..., 2)
		{name: "cancel credits gift card", setup: []call{{"cancel_pending_order", `{"order_id":"#W6779827","reason":"no longer needed"}`}}, tool: "get_user_details", args: `{"user_id":"ethan_lopez_6291"}`, err: false,
			want: `{"user_id": "ethan_lopez_6291", "name": {"first_name": "Ethan", "last_name": "Lopez"}, "address": {"address1": "103 Hillcrest Drive", "address2": "Suite 162", "city": "Columbus", "country": "USA", "state": "OH", "zip": "43275"}, "email": "ethan.lopez8943@example.com", "payment_methods": {"credit_card_9789590": {"source": "credit_card", "id": "credit_card_9789590", "brand": "mastercard", "last_four": "1020"}, "gift_card_7219486": {"source": "gift_card", "id": "gift_card_7219486", "balance": 4128.45}}, "orders": ["#W6779827", "#W6426438", "#W8632528", "#W8073920", "#W9409203"]}`},
		// happy path: case-insensitive names
		{name: "find by name and zip", tool: "find_user_id_by_name_zip", args: `{"first_name":"AVA","last_name":"lopez","zip":"92168"}`, err: false,
			want: `ava_lopez_2676`},
		// raise ValueError("User not found")
		{name: "find by name and zip not found", tool: "find_user_id_by_name_zip", args: `{"first_name":"Ava","last_name":"Lopez","zip":"92169"}`, err: true,
			want: `Error: User not found`},
		// happy path: case-insensitive
		{name: "find by email", tool: "find_user_id_by_email", args: `{"email":"ETHAN.Lopez8943@example.com"}`, err: false,
			want: `ethan_lopez_6291`},
		// raise ValueError("User not found")
		{name: "find by email not found", tool: "find_user_id_by_email", args: `{"email":"nobody@example.com"}`, err: true,
			want: `Error: User not found`},
		// happy path: Order.model_dump() with null optional fields
		{name: "get order", tool: "get_order_details", args: `{"order_id":"#W2611340"}`, err: false,
			want: `{"order_id": "#W2611340", "user_id": "james_li_5688", "address": {"address1": "215 River Road", "address2": "Suite 991", "city": "New York", "country": "USA", "state": "NY", "zip": "10083"}, "items": [{"name": "Water Bottle", "product_id": "8310926033", "item_id": "6469567736", "price": 47.84, "options": {"capacity": "1000ml", "material": "glass", "color": "blue"}}, {"name": "Office Chair", "product_id": "4794339885", "item_id": "8426249116", "price": 488.81, "options": {"material": "fabric", "color": "black", "armrest": "fixed", "backrest height": "standard"}}], "status": "processed", "fulfillments": [{"tracking_id": ["357962501027"], "item_ids": ["6469567736", "8426249116"]}], "payment_history": [{"transaction_type": "payment", "amount": 536.65, "payment_method_id": "gift_card_1725971"}], "cancel_reason": null, "exchange_items": null, "exchange_new_items": null, "exchange_payment_method_id": null, "exchange_price_difference": null, "return_items": null, "return_payment_method_id": null}`},
		// _get_order
		{name: "get order not found", tool: "get_order_details", args: `{"order_id":"#W2611340 "}`, err: true,
			want: `Error: Order not found`},
		// happy path: variants in db order
		{name: "get product", tool: "get_product_details", args: `{"product_id":"6938111410"}`, err: false,
			want: `{"name": "Running Shoes", "product_id": "6938111410", "variants": {"4153505238": {"item_id": "4153505238", "options": {"size": "8", "color": "red", "material": "leather", "sole": "EVA"}, "available": true, "price": 158.67}, "1775591963": {"item_id": "1775591963", "options": {"size": "10", "color": "white", "material": "leather", "sole": "EVA"}, "available": true, "price": 154.75}, "9635758562": {"item_id": "9635758562", "options": {"size": "9", "color": "white", "material": "mesh", "sole": "rubber"}, "available": true, "price": 148.95}, "9791469541": {"item_id": "9791469541", "options": {"size": "9", "color": "yellow", "material": "synthetic", "sole": "rubber"}, "available": true, "price": 147.05}, "4107812777": {"item_id": "4107812777", "options": {"size": "9", "color": "black", "material": "synthetic", "sole": "rubber"}, "available": true, "price": 155.33}}}`},
		// _get_product: an item id is not a product id
		{name: "get product not found", tool: "get_product_details", args: `{"product_id":"6469567736"}`, err: true,
			want: `Error: Product not found`},
		// happy path: Variant.model_dump()
		{name: "get item", tool: "get_item_details", args: `{"item_id":"6469567736"}`, err: false,
			want: `{"item_id": "6469567736", "options": {"capacity": "1000ml", "material": "glass", "color": "blue"}, "available": false, "price": 47.84}`},
		// _get_item: raise ValueError("Item not found")
		{name: "get item not found", tool: "get_item_details", args: `{"item_id":"8310926033"}`, err: true,
			want: `Error: Item not found`},
		// happy path: the three payment method classes
		{name: "get user", tool: "get_user_details", args: `{"user_id":"chen_smith_8425"}`, err: false,
			want: `{"user_id": "chen_smith_8425", "name": {"first_name": "Chen", "last_name": "Smith"}, "address": {"address1": "932 Hickory Lane", "address2": "Suite 309", "city": "Jacksonville", "country": "USA", "state": "FL", "zip": "32278"}, "email": "chen.smith7677@example.com", "payment_methods": {"gift_card_4796172": {"source": "gift_card", "id": "gift_card_4796172", "balance": 47.0}, "credit_card_6177109": {"source": "credit_card", "id": "credit_card_6177109", "brand": "visa", "last_four": "9488"}, "paypal_9175769": {"source": "paypal", "id": "paypal_9175769"}}, "orders": ["#W8859225"]}`},
		// _get_user
		{name: "get user not found", tool: "get_user_details", args: `{"user_id":"Chen_smith_8425"}`, err: true,
			want: `Error: User not found`},
		// json.dumps(product_dict, sort_keys=True)
		{name: "list product types", tool: "list_all_product_types", args: `{}`, err: false,
			want: `{"Action Camera": "3377618313", "Air Purifier": "3821016478", "Backpack": "2524789262", "Bicycle": "9783735446", "Bluetooth Speaker": "4768869376", "Bookshelf": "8600330539", "Coffee Maker": "7996920482", "Cycling Helmet": "7765186836", "Desk Lamp": "6817146515", "Digital Camera": "8940227892", "Dumbbell Set": "7233192239", "E-Reader": "3801771308", "Electric Kettle": "1075968781", "Electric Toothbrush": "7352963235", "Espresso Machine": "4354588079", "Fleece Jacket": "8560156827", "Gaming Mouse": "5713490933", "Garden Hose": "6679515468", "Grill": "6819683148", "Headphones": "6992792935", "Hiking Boots": "7363354090", "Indoor Security Camera": "2985987096", "Jigsaw Puzzle": "1808611083", "LED Light Bulb": "2696197613", "Laptop": "4760268021", "Luggage Set": "5426915165", "Makeup Kit": "5149340237", "Mechanical Keyboard": "1656367028", "Notebook": "2892623495", "Office Chair": "4794339885", "Patio Umbrella": "9743693396", "Perfume": "6858788497", "Pet Bed": "2747247837", "Portable Charger": "6942297802", "Running Shoes": "6938111410", "Skateboard": "1968349452", "Smart Thermostat": "4896585277", "Smart Watch": "6945232052", "Smartphone": "1801728040", "Sneakers": "7471004230", "Sunglasses": "7314138884", "T-Shirt": "9523456873", "Tablet": "8024098596", "Tea Kettle": "9832717871", "Vacuum Cleaner": "1762337868", "Wall Clock": "2344688344", "Water Bottle": "8310926033", "Wireless Earbuds": "9924732112", "Wristwatch": "6066914160", "Yoga Mat": "4635925001"}`},
		// payment_method.balance -= diff_price; round(..., 2)
		{name: "modify items gift card refund", setup: []call{{"modify_pending_order_items", `{"order_id":"#W6779827","item_ids":["3379843752"],"new_item_ids":["7774234341"],"payment_method_id":"gift_card_7219486"}`}}, tool: "get_user_details", args: `{"user_id":"ethan_lopez_6291"}`, err: false,
			want: `{"user_id": "ethan_lopez_6291", "name": {"first_name": "Ethan", "last_name": "Lopez"}, "address": {"address1": "103 Hillcrest Drive", "address2": "Suite 162", "city": "Columbus", "country": "USA", "state": "OH", "zip": "43275"}, "email": "ethan.lopez8943@example.com", "payment_methods": {"credit_card_9789590": {"source": "credit_card", "id": "credit_card_9789590", "brand": "mastercard", "last_four": "1020"}, "gift_card_7219486": {"source": "gift_card", "id": "gift_card_7219486", "balance": 533.6}}, "orders": ["#W6779827", "#W6426438", "#W8632528", "#W8073920", "#W9409203"]}`},
		// old_payment_method.balance += amount
		{name: "modify payment refunds gift card", setup: []call{{"modify_pending_order_payment", `{"order_id":"#W6779827","payment_method_id":"credit_card_9789590"}`}}, tool: "get_user_details", args: `{"user_id":"ethan_lopez_6291"}`, err: false,
			want: `{"user_id": "ethan_lopez_6291", "name": {"first_name": "Ethan", "last_name": "Lopez"}, "address": {"address1": "103 Hillcrest Drive", "address2": "Suite 162", "city": "Columbus", "country": "USA", "state": "OH", "zip": "43275"}, "email": "ethan.lopez8943@example.com", "payment_methods": {"credit_card_9789590": {"source": "credit_card", "id": "credit_card_9789590", "brand": "mastercard", "last_four": "1020"}, "gift_card_7219486": {"source": "gift_card", "id": "gift_card_7219486", "balance": 4128.45}}, "orders": ["#W6779827", "#W6426438", "#W8632528", "#W8073920", "#W9409203"]}`},
		// return "Transfer successful"
		{name: "transfer", tool: "transfer_to_human_agents", args: `{"summary":"The user wants a refund to a new card."}`, err: false,
			want: `Transfer successful`},
		// TypeError from the call
		{name: "missing argument", tool: "get_order_details", args: `{}`, err: true,
			want: `Error: RetailTools.get_order_details() missing 1 required positional argument: 'order_id'`},
		// TypeError from the call
		{name: "unexpected argument", tool: "get_user_details", args: `{"user_id":"chen_smith_8425","email":"x"}`, err: true,
			want: `Error: RetailTools.get_user_details() got an unexpected keyword argument 'email'`},
		// Environment: Tool not found
		{name: "unknown tool", tool: "refund_everything", args: `{}`, err: true,
			want: `Error: Tool 'refund_everything' not found.`},
	}
	runCases(t, loadDomain(t), cases)
}
