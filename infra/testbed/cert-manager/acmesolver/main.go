// Command acmesolver answers one ACME HTTP-01 challenge, as the pods that
// cert-manager's controller starts expect (the same flags as the project's
// cmd/acmesolver, a Go module the module proxy does not serve); the handler
// is the library's own (pkg/issuer/acme/http/solver).
package main

import (
	"flag"
	"os"

	logf "github.com/cert-manager/cert-manager/pkg/logs"
	"github.com/cert-manager/cert-manager/pkg/issuer/acme/http/solver"
)

func main() {
	s := &solver.HTTP01Solver{}
	flag.IntVar(&s.ListenPort, "listen-port", 8089, "port to answer on")
	flag.StringVar(&s.Domain, "domain", "", "domain the challenge is for")
	flag.StringVar(&s.Token, "token", "", "the challenge's token")
	flag.StringVar(&s.Key, "key", "", "the challenge's key")
	flag.Parse()
	logf.InitLogs()
	if err := s.Listen(logf.Log.WithName("acmesolver")); err != nil {
		logf.Log.Error(err, "listener stopped")
		os.Exit(1)
	}
}
