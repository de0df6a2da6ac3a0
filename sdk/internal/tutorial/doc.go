// Package tutorial holds the test that checks docs/writing-a-framework.md:
// it runs the tutorial's commands and builds its files exactly as a reader
// would, against a real `agora dev`, and compares the output with the one
// the tutorial shows.
//
// The tutorial marks its blocks with HTML comments the test reads:
// "<!-- background: … -->" before a command that keeps running (the
// cluster), "<!-- file: path -->" before a file's contents, and
// "<!-- output -->" before the expected output of the last command. Every
// other ```sh block is run, in order, in one shell.
package tutorial
