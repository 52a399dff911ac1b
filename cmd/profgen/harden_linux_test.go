package main

import "syscall"

type syscallStat = syscall.Stat_t

func statInode(p string, st *syscall.Stat_t) error { return syscall.Stat(p, st) }
