package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The shipped example configurations must load as they are.
func TestDeployConfigsLoad(t *testing.T) {
	for _, path := range []string{"../../deploy/config.example.yaml", "../../deploy/compose/vhod.yaml"} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			if _, err := loadConfig(path); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("kubernetes configmap", func(t *testing.T) {
		var cm struct {
			Data map[string]string `yaml:"data"`
		}
		b, err := os.ReadFile("../../deploy/k8s/configmap.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, &cm); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "vhod.yaml")
		_ = os.WriteFile(p, []byte(cm.Data["vhod.yaml"]), 0o600)
		if _, err := loadConfig(p); err != nil {
			t.Fatal(err)
		}
	})
}

// Every manifest the kustomization names exists and is a Kubernetes object, and the
// Deployment has probes and resource limits.
func TestKubernetesManifests(t *testing.T) {
	var k struct {
		Resources []string `yaml:"resources"`
	}
	b, err := os.ReadFile("../../deploy/k8s/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, r := range k.Resources {
		b, err := os.ReadFile(filepath.Join("../../deploy/k8s", r))
		if err != nil {
			t.Fatal(err)
		}
		var obj map[string]any
		if err := yaml.Unmarshal(b, &obj); err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		if obj["apiVersion"] == nil || obj["kind"] == nil {
			t.Fatalf("%s is not a Kubernetes object", r)
		}
		kinds[obj["kind"].(string)] = true
		if obj["kind"] == "Deployment" {
			for _, want := range []string{"livenessProbe", "readinessProbe", "limits", "runAsNonRoot", "secretKeyRef"} {
				if !strings.Contains(string(b), want) {
					t.Errorf("deployment lacks %s", want)
				}
			}
		}
	}
	for _, kind := range []string{"Deployment", "Service", "Ingress", "Secret", "ConfigMap", "PodDisruptionBudget"} {
		if !kinds[kind] {
			t.Errorf("no %s in the kustomization", kind)
		}
	}
}

// Behind their proxies the shipped deployments believe the proxy's
// X-Forwarded-For: compose trusts exactly nginx's fixed address, Kubernetes the
// ingress controller's pod network (issue 16 item 2).
func TestDeployConfigsTrustTheirProxy(t *testing.T) {
	compose, err := loadConfig("../../deploy/compose/vhod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Networks map[string]struct {
				IPv4Address string `yaml:"ipv4_address"`
			} `yaml:"networks"`
		} `yaml:"services"`
	}
	b, err := os.ReadFile("../../deploy/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	nginx := c.Services["nginx"].Networks["default"].IPv4Address
	if nginx == "" || !slices.Equal(compose.TrustedProxies, []string{nginx + "/32"}) {
		t.Errorf("compose trusts %v, nginx is at %q", compose.TrustedProxies, nginx)
	}
	for _, path := range []string{"../../deploy/k8s/configmap.yaml", "../../deploy/config.example.yaml"} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "trusted_proxies: [") {
			t.Errorf("%s does not set trusted_proxies", path)
		}
	}
}
