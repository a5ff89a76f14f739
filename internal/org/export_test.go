package org

// PathCopies are the columns a move rewrites, for the tests.
var PathCopies = pathCopies
