#pragma once
// Threads that do bookkeeping nobody is waiting on at that moment (the group writer's commits, the
// SQLite checkpointer) call this first: a batch commit takes a millisecond or more of CPU, and on a
// busy machine the threads that answer requests should not queue behind it. Their share under full
// load shrinks, not their work: a writer that falls behind makes callers wait for it (see
// GroupWriter::behind).
namespace plaza {

void lower_this_thread_priority();

}  // namespace plaza
