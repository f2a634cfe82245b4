package retail

import (
	"strings"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/pyjson"
)

func findUserIDByNameZipTool() *envs.Tool {
	type args struct {
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		Zip       string `json:"zip"`
	}
	return envs.NewTool("find_user_id_by_name_zip", envs.Read,
		"Find user id by first name, last name, and zip code. If the user is not found, the function\n\n"+
			"will return an error message. By default, find user id by email, and only call this function\n"+
			"if the user is not found by email or cannot remember email.",
		schema(
			param{name: "first_name", desc: "The first name of the customer, such as 'John'."},
			param{name: "last_name", desc: "The last name of the customer, such as 'Doe'."},
			param{name: "zip", desc: "The zip code of the customer, such as '12345'."},
		),
		envs.Bind(func(d *DB, a args) (any, error) {
			first, last := strings.ToLower(a.FirstName), strings.ToLower(a.LastName)
			for id, u := range d.Users.All() {
				if strings.ToLower(u.Name.FirstName) == first && strings.ToLower(u.Name.LastName) == last && u.Address.Zip == a.Zip {
					return id, nil
				}
			}
			return nil, errUserNotFound
		}))
}

func findUserIDByEmailTool() *envs.Tool {
	type args struct {
		Email string `json:"email"`
	}
	return envs.NewTool("find_user_id_by_email", envs.Read,
		"Find user id by email. If the user is not found, the function will return an error message.",
		schema(param{name: "email", desc: "The email of the user, such as 'something@example.com'."}),
		envs.Bind(func(d *DB, a args) (any, error) {
			email := strings.ToLower(a.Email)
			for id, u := range d.Users.All() {
				if strings.ToLower(u.Email) == email {
					return id, nil
				}
			}
			return nil, errUserNotFound
		}))
}

func getOrderDetailsTool() *envs.Tool {
	type args struct {
		OrderID string `json:"order_id"`
	}
	return envs.NewTool("get_order_details", envs.Read,
		"Get the status and details of an order.",
		schema(param{name: "order_id", desc: descOrderID}),
		envs.Bind(func(d *DB, a args) (any, error) {
			o, err := d.order(a.OrderID)
			if err != nil {
				return nil, err
			}
			return o, nil
		}))
}

func getProductDetailsTool() *envs.Tool {
	type args struct {
		ProductID string `json:"product_id"`
	}
	return envs.NewTool("get_product_details", envs.Read,
		"Get the inventory details of a product.",
		schema(param{name: "product_id", desc: "The product id, such as '6086499569'. Be careful the product id is different from the item id."}),
		envs.Bind(func(d *DB, a args) (any, error) {
			p, err := d.product(a.ProductID)
			if err != nil {
				return nil, err
			}
			return p, nil
		}))
}

func getItemDetailsTool() *envs.Tool {
	type args struct {
		ItemID string `json:"item_id"`
	}
	return envs.NewTool("get_item_details", envs.Read,
		"Get the inventory details of an item.",
		schema(param{name: "item_id", desc: "The item id, such as '6086499569'. Be careful the item id is different from the product id."}),
		envs.Bind(func(d *DB, a args) (any, error) {
			v, err := d.item(a.ItemID)
			if err != nil {
				return nil, err
			}
			return v, nil
		}))
}

func getUserDetailsTool() *envs.Tool {
	type args struct {
		UserID string `json:"user_id"`
	}
	return envs.NewTool("get_user_details", envs.Read,
		"Get the details of a user, including their orders.",
		schema(param{name: "user_id", desc: descUserID}),
		envs.Bind(func(d *DB, a args) (any, error) {
			u, err := d.user(a.UserID)
			if err != nil {
				return nil, err
			}
			return u, nil
		}))
}

func listAllProductTypesTool() *envs.Tool {
	return envs.NewTool("list_all_product_types", envs.Read,
		"List the name and product id of all product types.\n\n"+
			"Each product type has a variety of different items with unique item ids and options.\n"+
			"There are only 50 product types in the store.",
		schema(),
		envs.Bind(func(d *DB, _ struct{}) (any, error) {
			// json.dumps({name: product_id, ...}, sort_keys=True): a later
			// product with the same name wins.
			names := make(map[string]string, d.Products.Len())
			for _, p := range d.Products.All() {
				names[p.Name] = p.ProductID
			}
			return pyjson.Marshal(names)
		}))
}
