package main

import (
	"os"
	"path/filepath"
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
