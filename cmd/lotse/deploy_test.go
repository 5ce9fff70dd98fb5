package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDeployFiles checks the deployment files against the program: the
// example environment names exactly the variables lotse reads, the systemd
// unit has the keys a safe service needs, and the Dockerfile builds with
// the Go of go.mod and sets the version lotse prints.
func TestDeployFiles(t *testing.T) {
	root := filepath.Join("..", "..")
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	// deploy/env.example and the variables in "lotse help".
	envVar := regexp.MustCompile(`(?m)^#?((?:LOTSE|TELEGRAM)_[A-Z_]+|LOG_LEVEL)=`)
	var example []string
	for _, m := range envVar.FindAllStringSubmatch(read("deploy/env.example"), -1) {
		example = append(example, m[1])
	}
	used := regexp.MustCompile(`(?m)^  ((?:LOTSE|TELEGRAM)_[A-Z_]+|LOG_LEVEL) `).FindAllStringSubmatch(usage, -1)
	if len(used) < 10 {
		t.Fatalf("found only %d variables in the usage text; the pattern is wrong", len(used))
	}
	for _, m := range used {
		if !slices.Contains(example, m[1]) {
			t.Errorf("deploy/env.example lacks %s", m[1])
		}
	}
	for _, v := range example {
		if !slices.ContainsFunc(used, func(m []string) bool { return m[1] == v }) {
			t.Errorf("deploy/env.example sets %s, which lotse help does not know", v)
		}
	}

	// deploy/lotse.service.
	unit := map[string][]string{} // "Section.Key" → values
	section := ""
	sc := bufio.NewScanner(strings.NewReader(read("deploy/lotse.service")))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Errorf("lotse.service: %q is not a key in a section", line)
				continue
			}
			unit[section+"."+k] = append(unit[section+"."+k], v)
		}
	}
	for key, want := range map[string]string{
		"Service.ExecStart":       "/usr/local/bin/lotse",
		"Service.EnvironmentFile": "/etc/lotse/env",
		"Service.StateDirectory":  "lotse",
		"Service.Environment":     "LOTSE_DB=/var/lib/lotse/lotse.db",
		"Service.DynamicUser":     "yes",
		"Service.NoNewPrivileges": "yes",
		"Service.ProtectSystem":   "strict",
		"Service.Restart":         "on-failure",
		"Service.KillSignal":      "SIGTERM",
		"Service.TimeoutStopSec":  "30s",
		"Install.WantedBy":        "multi-user.target",
	} {
		if !slices.Contains(unit[key], want) {
			t.Errorf("lotse.service: %s = %q, want %q", key, unit[key], want)
		}
	}

	// Dockerfile.
	docker := read("Dockerfile")
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(read("go.mod"))
	for _, want := range []string{
		"FROM golang:" + goVersion[1] + " AS build",
		"CGO_ENABLED=0 go build -trimpath",
		"-X main.version=${VERSION}",
		"ENV LOTSE_DB=/data/lotse.db",
		"VOLUME /data",
		"USER 65532:65532",
		`ENTRYPOINT ["/usr/local/bin/lotse"]`,
	} {
		if !strings.Contains(docker, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
