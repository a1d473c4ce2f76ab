// k8scheck validates Kubernetes manifests offline. Every document of the given files is decoded
// strictly into the Kubernetes API's own Go types (k8s.io/api: core, apps, batch, rbac), so a
// misspelt or unknown field, a wrong type or an unknown kind is an error. Custom resources (Chaos
// Mesh's PodChaos, NetworkChaos, TimeChaos, StressChaos) are checked against the CRD schemas in
// -crds as the API server checks them under strict field validation (unknown fields, types,
// required fields, enums, bounds, patterns), their metadata strictly as ObjectMeta. A
// kustomization.yaml is decoded strictly into the fields the harness writes, and the files it
// names must exist.
//
// Usage: k8scheck [-crds DIR] <file-or-dir>...
// Output: one line per document, "ok <file>#<n> <kind>/<name>" or "error <file>#<n>: <reason>".
// Exit 0 if all are ok, 1 on any error, 2 on a usage error.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

var scheme = runtime.NewScheme()

// The API groups a harness deployment uses; a kind outside them is an unknown kind.
func init() {
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, rbacv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
}

var deserializer = serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// doc is one YAML document of one file, with what was learnt about it.
type doc struct {
	file      string
	n         int
	kind      string
	name      string
	namespace string
	err       error
	obj       runtime.Object
	kust      *kustomization
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("k8scheck", flag.ContinueOnError)
	fl.SetOutput(stderr)
	crdDir := fl.String("crds", "", "a folder of CustomResourceDefinition files for the custom kinds")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: k8scheck [-crds DIR] <file-or-dir>...")
		return 2
	}
	crds := crdSchemas{}
	if *crdDir != "" {
		var err error
		if crds, err = loadCRDs(*crdDir); err != nil {
			fmt.Fprintf(stderr, "k8scheck: -crds %s: %v\n", *crdDir, err)
			return 2
		}
	}
	files, err := collectFiles(fl.Args())
	if err != nil {
		fmt.Fprintf(stderr, "k8scheck: %v\n", err)
		return 2
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "k8scheck: no .yaml/.yml files found")
		return 2
	}
	var docs []*doc
	for _, f := range files {
		ds, err := readFile(f, crds)
		docs = append(docs, ds...)
		if err != nil {
			docs = append(docs, &doc{file: f, err: err})
		}
	}
	semanticChecks(docs)
	failed := false
	for _, d := range docs {
		if d.err != nil {
			failed = true
			fmt.Fprintf(stdout, "error %s#%d: %s\n", d.file, d.n, strings.Join(strings.Fields(d.err.Error()), " "))
			continue
		}
		name := d.name
		if name == "" {
			name = "-"
		}
		fmt.Fprintf(stdout, "ok %s#%d %s/%s\n", d.file, d.n, d.kind, name)
	}
	if failed {
		return 1
	}
	return 0
}

func isYAML(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	return ext == ".yaml" || ext == ".yml"
}

// collectFiles expands folders (recursively) into their .yaml/.yml files, sorted.
func collectFiles(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		var found []string
		err = filepath.WalkDir(a, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !e.IsDir() && isYAML(p) {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

func readFile(path string, crds crdSchemas) ([]*doc, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var docs []*doc
	for n := 1; ; n++ {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return docs, fmt.Errorf("reading document %d: %w", n, err)
		}
		d := &doc{file: path, n: n}
		empty, err := checkDoc(d, raw, crds)
		if empty {
			continue
		}
		d.err = err
		docs = append(docs, d)
	}
}

// checkDoc decodes one document strictly; empty is true for a document with no content.
func checkDoc(d *doc, raw []byte, crds crdSchemas) (empty bool, err error) {
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return false, fmt.Errorf("invalid YAML: %w", err)
	}
	js = bytes.TrimSpace(js)
	if len(js) == 0 || string(js) == "null" {
		return true, nil
	}
	var head struct {
		metav1.TypeMeta
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(js, &head); err != nil {
		return false, fmt.Errorf("document is not an object: %w", err)
	}
	d.kind, d.name, d.namespace = head.Kind, head.Metadata.Name, head.Metadata.Namespace
	if head.Kind == "Kustomization" || (head.Kind == "" && filepath.Base(d.file) == "kustomization.yaml") {
		d.kind = "Kustomization"
		return false, checkKustomization(d, js)
	}
	if s, ok := crds[gvkKey(head.APIVersion, head.Kind)]; ok {
		return false, checkCustom(js, s)
	}
	obj, gvk, err := deserializer.Decode(raw, nil, nil)
	if err != nil {
		return false, err
	}
	d.kind = gvk.Kind
	d.obj = obj
	return false, nil
}

// checkCustom checks a custom resource against its CRD's schema, its metadata strictly as ObjectMeta.
func checkCustom(js []byte, s *schema) error {
	var value map[string]any
	if err := json.Unmarshal(js, &value); err != nil {
		return err
	}
	var problems []string
	if meta, ok := value["metadata"]; ok {
		b, _ := json.Marshal(meta)
		var om metav1.ObjectMeta
		if err := yaml.UnmarshalStrict(b, &om); err != nil {
			problems = append(problems, "metadata: "+err.Error())
		}
		delete(value, "metadata")
	} else {
		problems = append(problems, "metadata is missing")
	}
	sub := *s
	sub.Properties = map[string]*schema{}
	for k, v := range s.Properties {
		if k != "metadata" {
			sub.Properties[k] = v
		}
	}
	validate(&sub, value, "", &problems)
	for i, p := range problems {
		problems[i] = strings.TrimPrefix(p, ".")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// kustomization holds the fields of kustomize.config.k8s.io/v1beta1 Kustomization that the harness
// writes; any other field is an error (this checker does not know kustomize's whole schema).
type kustomization struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Namespace  string            `json:"namespace,omitempty"`
	Resources  []string          `json:"resources,omitempty"`
	Labels     []kustomizeLabels `json:"labels,omitempty"`
}

type kustomizeLabels struct {
	Pairs            map[string]string `json:"pairs"`
	IncludeSelectors bool              `json:"includeSelectors,omitempty"`
	IncludeTemplates bool              `json:"includeTemplates,omitempty"`
}

func checkKustomization(d *doc, js []byte) error {
	var k kustomization
	if err := yaml.UnmarshalStrict(js, &k); err != nil {
		return fmt.Errorf("kustomization: %w", err)
	}
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" {
		return fmt.Errorf("kustomization apiVersion %q, want kustomize.config.k8s.io/v1beta1", k.APIVersion)
	}
	d.kust = &k
	d.namespace = k.Namespace
	var missing []string
	for _, r := range k.Resources {
		if _, err := os.Stat(filepath.Join(filepath.Dir(d.file), r)); err != nil {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("kustomization names missing files: %s", strings.Join(missing, ", "))
	}
	return nil
}

// semanticChecks adds what strict decoding cannot see: names, namespaces that match the Namespace
// documents, and workload selectors that match their pod templates' labels.
func semanticChecks(docs []*doc) {
	namespaces := map[string]bool{}
	kustNamespace := map[string]string{}
	for _, d := range docs {
		if d.err != nil {
			continue
		}
		if _, ok := d.obj.(*corev1.Namespace); ok {
			namespaces[d.name] = true
		}
		if d.kust != nil && d.kust.Namespace != "" {
			kustNamespace[filepath.Dir(d.file)] = d.kust.Namespace
		}
	}
	for _, d := range docs {
		if d.err != nil || d.kust != nil {
			continue
		}
		var sel *metav1.LabelSelector
		var tmpl map[string]string
		workload, selRequired := false, false
		switch o := d.obj.(type) {
		case *appsv1.Deployment:
			workload, selRequired, sel, tmpl = true, true, o.Spec.Selector, o.Spec.Template.Labels
		case *appsv1.StatefulSet:
			workload, selRequired, sel, tmpl = true, true, o.Spec.Selector, o.Spec.Template.Labels
		case *batchv1.Job:
			workload, sel, tmpl = true, o.Spec.Selector, o.Spec.Template.Labels
		}
		var problems []string
		if d.name == "" {
			problems = append(problems, "metadata.name is empty")
		}
		if _, isNs := d.obj.(*corev1.Namespace); !isNs {
			_, clusterRole := d.obj.(*rbacv1.ClusterRole)
			_, clusterBinding := d.obj.(*rbacv1.ClusterRoleBinding)
			ns := d.namespace
			if ns == "" {
				ns = kustNamespace[filepath.Dir(d.file)]
			}
			switch {
			case clusterRole || clusterBinding:
			case ns == "":
				problems = append(problems, "metadata.namespace is empty")
			case len(namespaces) > 0 && !namespaces[ns]:
				problems = append(problems, fmt.Sprintf("namespace %q is not among the Namespace documents", ns))
			}
		}
		if workload {
			if sel == nil {
				if selRequired {
					problems = append(problems, "spec.selector is missing")
				}
			} else if s, err := metav1.LabelSelectorAsSelector(sel); err != nil {
				problems = append(problems, fmt.Sprintf("spec.selector invalid: %v", err))
			} else if s.Empty() {
				problems = append(problems, "spec.selector is empty")
			} else if !s.Matches(labels.Set(tmpl)) {
				problems = append(problems, fmt.Sprintf("spec.selector %q does not match the template's labels %v", s.String(), labels.Set(tmpl)))
			}
		}
		if len(problems) > 0 {
			d.err = errors.New(strings.Join(problems, "; "))
		}
	}
}
