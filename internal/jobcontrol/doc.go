// Package jobcontrol runs a recorded workload as a shell runs a job: in a process group of its
// own, so that a signal it sends to its group (kill -9 0) does not reach profgen; with the
// terminal's foreground when profgen has it, so that it reads the terminal and gets ^C and ^Z
// from it as it would without profgen; and with profgen stopping when the job stops, so that
// the shell sees its job stopped, and continuing it when continued (fg). sudo does the same.
package jobcontrol
