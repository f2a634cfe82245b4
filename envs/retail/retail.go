// Package retail is tau2-bench's retail domain: an online store's products,
// users and orders, the agent policy, and the RetailTools toolkit, whose
// tools return exactly the strings tau2 shows the agent (same results, error
// messages and state changes, including tau2's quirks).
package retail

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/eigendata/eigendata/envs"
)

// Load reads the retail domain from a tau2 retail data directory holding
// db.json and policy.md.
func Load(dir string) (*envs.Domain, error) {
	db, err := LoadDB(filepath.Join(dir, "db.json"))
	if err != nil {
		return nil, err
	}
	policy, err := os.ReadFile(filepath.Join(dir, "policy.md"))
	if err != nil {
		return nil, fmt.Errorf("retail: reading policy: %w", err)
	}
	return New(db, string(policy)), nil
}

// New builds the retail domain on db (which becomes the domain's initial
// state and must not be changed afterwards) with the given agent policy.
func New(db *DB, policy string) *envs.Domain {
	if db.mu == nil {
		db.mu = new(sync.Mutex)
	}
	agent := Tools()
	// Toolkit.Tool builds its name index on first use; build it now so that
	// envs of the domain can run in parallel.
	agent.Tool(agent.Tools[0].Name)
	return &envs.Domain{
		Name:    "retail",
		Policy:  policy,
		Agent:   agent,
		Initial: db,
	}
}

// Tools returns tau2's RetailTools toolkit, in its declaration order.
func Tools() *envs.Toolkit {
	return &envs.Toolkit{Class: "RetailTools", Tools: []*envs.Tool{
		calculateTool(),
		cancelPendingOrderTool(),
		exchangeDeliveredOrderItemsTool(),
		findUserIDByNameZipTool(),
		findUserIDByEmailTool(),
		getOrderDetailsTool(),
		getProductDetailsTool(),
		getItemDetailsTool(),
		getUserDetailsTool(),
		listAllProductTypesTool(),
		modifyPendingOrderAddressTool(),
		modifyPendingOrderItemsTool(),
		modifyPendingOrderPaymentTool(),
		modifyUserAddressTool(),
		returnDeliveredOrderItemsTool(),
		transferToHumanAgentsTool(),
	}}
}
