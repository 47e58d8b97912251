package mail

import (
	"errors"
	"fmt"
	texttemplate "text/template"
	"text/template/parse"
)

// A dunning template runs on every save (Validate) and on every send, inside
// the API and the engine, so its execution must be bounded by what the
// merchant wrote, not by what it computes. Without loops and recursion a Go
// template does a fixed amount of work per node: so {{range}} is refused
// (nothing in Vars is a list; `{{range 30000000}}` would just burn CPU), a
// {{template}} call may not reach itself, and the number of nodes executed,
// counting every {{template}} call as the size of what it runs, is capped at
// maxSteps. The output stays capped at maxOutput on top.

// maxSteps bounds the nodes one execution may visit (a generous email has a
// few hundred).
const maxSteps = 10_000

var (
	errRange     = errors.New("{{range}} is not supported in dunning templates: there is nothing to loop over")
	errRecursion = errors.New("a {{template}} may not call itself, directly or through another template")
	errTooBig    = fmt.Errorf("template is too complex: it would execute more than %d actions (counting every {{template}} call)", maxSteps)
)

// checkBounded refuses templates whose execution is not bounded (see above).
// root names the template that will be executed.
func checkBounded(set *texttemplate.Template, root string) error {
	trees := map[string]*parse.Tree{}
	for _, t := range set.Templates() {
		if t.Tree != nil {
			trees[t.Name()] = t.Tree
		}
	}
	b := bounder{trees: trees, cost: map[string]int{}, active: map[string]bool{}}
	n, err := b.template(root)
	if err != nil {
		return err
	}
	if n > maxSteps {
		return errTooBig
	}
	return nil
}

type bounder struct {
	trees  map[string]*parse.Tree
	cost   map[string]int  // memoized cost of each template
	active map[string]bool // templates on the current call path
}

// template returns the cost of executing the named template once.
func (b *bounder) template(name string) (int, error) {
	if c, ok := b.cost[name]; ok {
		return c, nil
	}
	if b.active[name] {
		return 0, errRecursion
	}
	tree := b.trees[name]
	if tree == nil || tree.Root == nil {
		return 1, nil // executing it fails with "no such template"
	}
	b.active[name] = true
	c, err := b.node(tree.Root)
	delete(b.active, name)
	if err != nil {
		return 0, err
	}
	c = min(c, maxSteps+1) // saturate: only "over the cap" matters
	b.cost[name] = c
	return c, nil
}

// node returns the cost of n, counting both branches of a conditional.
func (b *bounder) node(n parse.Node) (int, error) {
	if n == nil {
		return 0, nil
	}
	cost := 1
	add := func(m parse.Node) error {
		c, err := b.node(m)
		cost = min(cost+c, maxSteps+1)
		return err
	}
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return 0, nil
		}
		for _, child := range n.Nodes {
			if err := add(child); err != nil {
				return 0, err
			}
		}
	case *parse.RangeNode:
		return 0, errRange
	case *parse.IfNode:
		for _, m := range []parse.Node{n.Pipe, n.List, n.ElseList} {
			if err := add(m); err != nil {
				return 0, err
			}
		}
	case *parse.WithNode:
		for _, m := range []parse.Node{n.Pipe, n.List, n.ElseList} {
			if err := add(m); err != nil {
				return 0, err
			}
		}
	case *parse.ActionNode:
		if err := add(n.Pipe); err != nil {
			return 0, err
		}
	case *parse.PipeNode:
		if n == nil {
			return 0, nil
		}
		for _, c := range n.Cmds {
			if err := add(c); err != nil {
				return 0, err
			}
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			if err := add(a); err != nil {
				return 0, err
			}
		}
	case *parse.TemplateNode:
		c, err := b.template(n.Name)
		if err != nil {
			return 0, err
		}
		cost = min(cost+c, maxSteps+1)
		if err := add(n.Pipe); err != nil {
			return 0, err
		}
	}
	return cost, nil
}
