package main

import (
	"flag"

	"github.com/eigendata/eigendata/workers"
)

// connFlags are the Temporal connection flags every client command takes.
type connFlags struct {
	c  workers.Conn
	ui string
	// noUI is set for the embedded stack started without its Web UI, so
	// no link to a UI that is not there gets printed.
	noUI bool
}

func (f *connFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.c.Address, "address", "", "Temporal frontend host:port (default $TEMPORAL_ADDRESS or localhost:7233)")
	fs.StringVar(&f.c.Namespace, "namespace", "", "Temporal namespace (default $TEMPORAL_NAMESPACE or default)")
	fs.StringVar(&f.c.APIKey, "api-key", "", "API key for a hosted cluster (default $TEMPORAL_API_KEY)")
	fs.StringVar(&f.c.TLSCert, "tls-cert", "", "TLS client certificate (default $TEMPORAL_TLS_CERT)")
	fs.StringVar(&f.c.TLSKey, "tls-key", "", "TLS client key (default $TEMPORAL_TLS_KEY)")
	fs.StringVar(&f.c.TLSCA, "tls-ca", "", "TLS CA bundle (default $TEMPORAL_TLS_CA)")
	fs.StringVar(&f.c.TLSServerName, "tls-server-name", "", "TLS server name (default $TEMPORAL_TLS_SERVER_NAME)")
	fs.StringVar(&f.ui, "ui", "", "Web UI base URL for links (default $TEMPORAL_UI or http://localhost:8233)")
}
