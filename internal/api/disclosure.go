package api

import (
	"net/http"
	"strconv"

	"zwfw/internal/disclosure"
)

// 政务公开 (实施方案 §2(4)): the public search and documents, the staff's
// drafting and workflow (internal/disclosure decides who may), and the
// county's government-site marks.

func handleDisclosureKinds() handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		writeJSON(w, http.StatusOK, disclosure.Kinds)
		return nil
	}
}

func handleSearchDisclosures(s *disclosure.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		pg, err := pageOf(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		list, total, err := s.Search(r.Context(), disclosure.Query{Q: q.Get("q"), Kind: q.Get("kind"), Limit: min(pg.Limit, 100), Offset: pg.Offset})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, total))
		return nil
	}
}

func handleGetDisclosure(s *disclosure.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "文件编号")
		if err != nil {
			return err
		}
		d, err := s.Public(r.Context(), id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, d)
		return nil
	}
}

func handleListManagedDisclosures(s *disclosure.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.List(r.Context(), actor(r), r.URL.Query().Get("state"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(list, len(list)))
		return nil
	}
}

// disclosureInput is a version as a client sends it.
type disclosureInput struct {
	Kind       string            `json:"kind,omitempty"`
	Org        string            `json:"org,omitempty"`
	Version    int               `json:"version,omitempty"`
	Title      string            `json:"title"`
	Number     string            `json:"number,omitempty"`
	Body       string            `json:"body,omitempty"`
	Items      []string          `json:"items,omitempty"`
	Interprets int64             `json:"interprets,omitempty"`
	Fields     map[string]string `json:"fields,omitempty"`
}

func (in disclosureInput) content() disclosure.Content {
	return disclosure.Content{Title: in.Title, Number: in.Number, Body: in.Body, Items: in.Items, Interprets: in.Interprets, Fields: in.Fields}
}

func handleCreateDisclosure(s *disclosure.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in disclosureInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		d, err := s.Create(r.Context(), actor(r), in.Kind, in.Org, in.content())
		if err != nil {
			return err
		}
		w.Header().Set("Location", Prefix+"/disclosure/managed/"+strconv.FormatInt(d.ID, 10))
		writeJSON(w, http.StatusCreated, d)
		return nil
	}
}

func handleGetManagedDisclosure(s *disclosure.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "文件编号")
		if err != nil {
			return err
		}
		d, err := s.Get(r.Context(), actor(r), id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, d)
		return nil
	}
}

func handleReviseDisclosure(s *disclosure.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "文件编号")
		if err != nil {
			return err
		}
		var in disclosureInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		// Attachments are uploaded on the page; a revision through the API
		// keeps those of the version it revises.
		cur, err := s.Get(r.Context(), actor(r), id)
		if err != nil {
			return err
		}
		c := in.content()
		c.Attachments = cur.Attachments
		d, err := s.Revise(r.Context(), actor(r), id, in.Version, c)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, d)
		return nil
	}
}

func handleDisclosureAction(s *disclosure.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "文件编号")
		if err != nil {
			return err
		}
		var in struct {
			Reason string `json:"reason,omitempty"`
		}
		if err := decodeOptionalJSON(r, &in); err != nil {
			return err
		}
		d, err := s.Act(r.Context(), actor(r), id, r.PathValue("action"), in.Reason)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, d)
		return nil
	}
}

func handleGetSiteMarks(s *disclosure.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		m, err := s.Site(r.Context(), r.PathValue("org"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, m)
		return nil
	}
}

func handleSetSiteMarks(s *disclosure.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var m disclosure.Marks
		if err := decodeJSON(r, &m); err != nil {
			return err
		}
		m, err := s.SetSite(r.Context(), actor(r), r.PathValue("org"), m)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, m)
		return nil
	}
}
