package web

import "io/fs"

// TemplatesForTest exposes the embedded templates to the tests.
func TemplatesForTest() fs.FS { return templateFS }
