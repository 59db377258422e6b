// A program with one dependency, built by the notices tests to read its
// build information.
package main

import (
	"fmt"

	"github.com/google/uuid"
)

func main() { fmt.Println(uuid.NewString()) }
