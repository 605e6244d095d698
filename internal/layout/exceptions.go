package layout

// Exception is an import that breaks the rules today and is to be removed by
// the restructure of issue 17. From and To name the edge exactly, as in
// Violation.
type Exception struct {
	From, To string
	Why      string
}

// Exceptions can only shrink: the test fails when one no longer occurs, so
// whoever removes the import removes the line too. Do not add to it; fix the
// import instead, or change DESIGN.md and the table together.
var Exceptions = []Exception{}

// Reconcile splits the violations found from the known exceptions: unexpected
// are violations no exception names, stale are exceptions that no longer
// occur.
func Reconcile(found []Violation, known []Exception) (unexpected []Violation, stale []Exception) {
	listed := map[[2]string]bool{}
	for _, e := range known {
		listed[[2]string{e.From, e.To}] = true
	}
	occurs := map[[2]string]bool{}
	for _, v := range found {
		k := [2]string{v.From, v.To}
		occurs[k] = true
		if !listed[k] {
			unexpected = append(unexpected, v)
		}
	}
	for _, e := range known {
		if !occurs[[2]string{e.From, e.To}] {
			stale = append(stale, e)
		}
	}
	return unexpected, stale
}
