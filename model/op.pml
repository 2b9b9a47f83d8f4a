/*
 * model/op.pml: a model of ovio's op lifecycle (op.go) as the io_uring engine drives it
 * (engine_uring_linux.go), for spin. model/check runs it in CI; GUARANTEES.md says what it
 * proves and what it leaves to the fault tests.
 *
 * The names are the code's. The state word is op.go's: stIdle, stPending, stCompleting, stDone,
 * stMask, flagAsync, flagCancel, flagPublished, causeShift, causeMask and the causes have the
 * code's values; the generation sits above the low byte instead of above bit 32. The io_uring
 * engine does not set flagPublished (the other engines do): it records the generation it queued
 * in the op (pubGen), under d.sqMu. Each inline and
 * proctype says which functions of the code it models with a tag, [code: uringDriver.flush,
 * uringDriver.submit] ([code: none] for the kernel's part), and an inline's name contains one of
 * theirs. model_test.go (TestModelInStep) fails when the two drift apart: a constant's value, a
 * tagged function or a Type.method named in a comment that the code no longer has.
 *
 * Processes:
 *   Submitter(i)  a goroutine running Do on op slot i, GENS times, so that the slot is reused
 *                 and a generation's late cancel meets the next one. Its request may fail to
 *                 prep; its context may end while it sleeps (CTXCANCEL).
 *   Canceller     a future's Cancel or its context's AfterFunc: it captures the generation of
 *                 slot 0 once it is queued, as Start returns it, and cancels it at any later
 *                 time, when that generation may be long gone.
 *   Kernel        completes the ops it holds whenever it likes (a pipe fed, a timer fired).
 *                 Entries reach the kernel only inside io_uring_enter (enter), where it may
 *                 also complete an op inline, or cancel one.
 *   Reaper        the reaper goroutine: it sleeps on its wake channel while needReaper is 0,
 *                 and otherwise waits in io_uring_enter(GETEVENTS) and reaps.
 *   Closer        Engine.Close (CLOSE): cancels what is in flight, repeats the cancels, waits,
 *                 stops the reaper (stopReaper) and frees the ring.
 *
 * Atomicity. A step of the model is one atomic action of the code or more than one where nothing
 * else can see the difference: a section under d.sqMu is one step (everything it touches is
 * guarded by d.sqMu, or is a CAS on the state word that the model makes part of it); a CAS is
 * one step; complete's second half (Unpin, the store of stDone, waiter.done) is one step, since
 * only the completing goroutine touches an op in stCompleting. The reaping of one completion
 * (completeSole: result, Unpin, the CAS to stDone) is one step: only the goroutine holding
 * d.cqMu delivers the kernel's completions. What it gives back (needReaper, the waiters'
 * counts: settler) is settled later in the pass, one step per waiter. One io_uring_enter takes
 * all the entries it is given (partial submission, a full queue and overflow are the fault
 * tests' business).
 *
 * Properties, checked for every interleaving:
 *   - exactly once: each generation of each slot is delivered (waiter.done) once, and its
 *     Do returns only after that (assertions in complete and Submitter);
 *   - no completion of the kernel meets an op that is not pending, unless the kernel posts one
 *     twice (DUPCQE): ovio never ends an op the kernel still holds;
 *   - no release before the kernel's completion: the pins are dropped (complete), and the op is
 *     given back to the pool (release), only when the kernel holds nothing of that generation;
 *   - no deadlock and no lost wake-up: every process ends (spin's end-state check), so no Do
 *     waits for a completion nobody delivers and no reaper sleeps while an op needs it;
 *   - Close frees the ring only when the kernel holds no op and none of its entries waits in the
 *     queue; and (ltl closeEnds, with weak fairness) Close returns, even when an op waits for
 *     what never comes (INFINITE) and its first cancel is lost (LOSTCANCEL), because Close
 *     repeats its cancels.
 *
 * Options (spin -D...): NOPS (1 or 2), GENS, CLOSE, CTXCANCEL, LOSTCANCEL (the kernel answers
 * MAXLOST cancels ENOENT or EALREADY and runs the op on), INFINITE (an op the kernel holds may
 * wait for what never comes: only a cancel ends it), ABANDON (io_uring_enter fails for good: abandon
 * fails the ops whose entries it did not take), DUPCQE (the kernel posts an op's completion
 * twice, as the fault tests inject), SPURIOUS (the reaper's wait returns early: EINTR),
 * NOCANCELLER (no Canceller process).
 */

#ifndef GENS
#define GENS 2
#endif
#ifndef NOPS
#define NOPS 1
#endif

/* op.go's state word. */
#define stIdle        0
#define stPending     1
#define stCompleting  2
#define stDone        3
#define stMask        3
#define flagAsync     4
#define flagCancel    8
#define flagPublished 64
#define causeShift    4
#define causeMask     48
#define causeCanceled 1
#define causeDeadline 2
#define causeClosed   3

#define genShift      8                   /* 32 in the code */
#define genOf(s)      ((s) >> genShift)
#define stOf(s)       ((s) & stMask)
#define has(s, f)     (((s) & (f)) != 0)

/* The ring's state: ringOpen, ringClosing, ringClosed. */
#define ringOpen    0
#define ringClosing 1
#define ringClosed  2

/* Kinds of entries and completions: an op's, and ovio's own (udCancel, udWake). */
#define kOp     0
#define kCancel 1
#define kWake   2

/* Results of completions. */
#define resOK       0
#define resCanceled 1                     /* ECANCELED */
#define resErr      2                     /* an error ovio gives without the kernel */
#define resENOENT   3
#define resEALREADY 4

#define parkedBit 16

#define MAXREPEAT 1                       /* rounds of cancels Close repeats (every second) */
#define MAXWAKE   3                       /* NOPs stopReaper posts */
#ifndef MAXLOST
#define MAXLOST   1                       /* cancels the kernel may lose (LOSTCANCEL) */
#endif
#define QN (NOPS * GENS * 2 + NOPS * (MAXREPEAT + 1) + MAXWAKE)

int  state[NOPS];
byte pubGen[NOPS];                        /* pubGen of the op's opSys: the generation queued last */
bool pinned[NOPS];
byte delivered[NOPS * GENS];

/* The submission queue: positions [khead, sqTail) are published and not yet taken by the
 * kernel; submitted is how far io_uring_enter was asked to go. Positions are not reused, except
 * after abandon. */
byte sqKind[QN];
byte sqIdx[QN];
byte sqGen[QN];
byte sqTail;
byte khead;
byte submitted;
bool submitting;                          /* the submitter role */
byte ringState;
bool cqMu;                                /* d.cqMu */

/* The kernel: whether it holds generation kgen[i] of slot i's op. The completion queue never
 * loses a completion (NODROP). */
bool kown[NOPS];
byte kgen[NOPS];
bool kinf[NOPS];                          /* it ends only if cancelled (INFINITE) */
byte lost;                                /* cancels lost so far (LOSTCANCEL) */
chan cq = [QN + NOPS * GENS] of { byte, byte, byte, byte };   /* kind, idx, gen, res */
byte cqTail;                              /* completions posted */
byte cqHead;                              /* completions reaped */

short needReaper;
byte owed[NOPS];                          /* the settler's counts for each slot's waiter */
byte owedAsync;                           /* the pass's completions of ops with flagAsync */
chan reaperWake = [1] of { bit };
bool stopping;
bool reaperDone;

/* Each slot's Do waiter: its count with the parked bit, and its wake channel. */
short wn[NOPS];
chan wake[NOPS] = [1] of { bit };

bool closeStarted;
bool closeDone;

/* The kernel posts a completion. [code: none] */
inline post(k, i, g, res) { cq!k, i, g, res; cqTail++ }

/* select { case d.reaperWake <- struct{}{}: default: }, in uringDriver.handOff and
 * uringDriver.stopReaper. [code: none] */
inline wakeReaper() {
	if
	:: nfull(reaperWake) -> reaperWake!1
	:: full(reaperWake) -> skip
	fi
}

/* op.complete, first half: the CAS from stPending to stCompleting. ok says it won; prev is the
 * word it replaced. [code: op.complete] */
inline completeCAS(i, g, ok, prev) {
	prev = state[i];
	if
	:: genOf(prev) == g && stOf(prev) == stPending ->
		state[i] = (prev & ~stMask) | stCompleting;
		ok = true
	:: else -> ok = false
	fi
}

/* op.complete, second half: Unpin, the store of stDone, and waiter.done. [code: op.complete,
 * waiter.done] */
inline completeRest(i, g, prev) {
	assert(!(kown[i] && kgen[i] == g));                 /* the kernel is done with the memory */
	pinned[i] = false;
	assert(state[i] == ((prev & ~stMask) | stCompleting));   /* nobody wrote meanwhile */
	state[i] = (prev & ~stMask) | stDone;
	delivered[i * GENS + g - 1]++;
	assert(delivered[i * GENS + g - 1] == 1);
	wn[i] = wn[i] - 1;
	if
	:: wn[i] == parkedBit -> wake[i]!1
	:: else -> skip
	fi
}

/* op.complete, whole, for the completions ovio gives itself (prep failed, ErrClosed, abandon).
 * [code: op.complete] */
inline complete(i, g, ok, prev) {
	atomic { completeCAS(i, g, ok, prev) };
	if
	:: ok -> atomic { completeRest(i, g, prev) }
	:: else -> skip
	fi;
	ok = false;
	prev = 0
}

/* op.requestCancel: ok says the caller must now ask the kernel. [code: op.requestCancel] */
inline requestCancel(i, g, cause, ok) {
	if
	:: genOf(state[i]) == g && stOf(state[i]) == stPending && !has(state[i], flagCancel) ->
		state[i] = state[i] | flagCancel | (cause << causeShift);
		ok = true
	:: else -> ok = false
	fi
}

/* put and putInternal: publish one entry, if the ring takes it; d.sqMu is held (the caller's
 * atomic step). An op's entry publishes the op: pubGen. (start queues a chunk's entries and
 * publishes the tail once, all under d.sqMu: the same step.) [code: uringDriver.put,
 * uringDriver.queue, uringDriver.putInternal, uringDriver.publishTail] */
inline put(kind, i, g, internal, ok) {
	if
	:: ringState == ringClosed || (ringState == ringClosing && !internal) -> ok = false
	:: else ->
		assert(sqTail < QN);
		if
		:: kind == kOp -> pubGen[i] = g
		:: else -> skip
		fi;
		sqKind[sqTail] = kind;
		sqIdx[sqTail] = i;
		sqGen[sqTail] = g;
		sqTail++;
		ok = true
	fi
}

/* The kernel takes the entry at position p, inside io_uring_enter. [code: none] */
inline ktake(p) {
	if
	:: sqKind[p] == kOp ->
		assert(!kown[sqIdx[p]]);
		kown[sqIdx[p]] = true;
		kgen[sqIdx[p]] = sqGen[p];
		if
		:: skip                                                            /* it waits */
#ifdef INFINITE
		:: kinf[sqIdx[p]] = true                          /* for what never comes, unless cancelled */
#endif
		:: kown[sqIdx[p]] = false; post(kOp, sqIdx[p], sqGen[p], resOK)   /* done inline */
		fi
	:: sqKind[p] == kCancel ->
		if
		:: kown[sqIdx[p]] && kgen[sqIdx[p]] == sqGen[p] ->
			if
			:: kown[sqIdx[p]] = false;
				kinf[sqIdx[p]] = false;
				post(kOp, sqIdx[p], sqGen[p], resCanceled);
				post(kCancel, sqIdx[p], sqGen[p], resOK)
#ifdef LOSTCANCEL
			:: lost < MAXLOST -> lost++; post(kCancel, sqIdx[p], sqGen[p], resEALREADY)   /* it runs on */
			:: lost < MAXLOST -> lost++; post(kCancel, sqIdx[p], sqGen[p], resENOENT)
#endif
			fi
		:: else -> post(kCancel, sqIdx[p], sqGen[p], resENOENT)
		fi
	:: sqKind[p] == kWake -> post(kWake, 0, 0, resOK)
	fi
}

/* uringDriver.enter(from, to), then abandon if it failed for good. The submitter role is held.
 * A retried failure (EINTR, EAGAIN, EBUSY) leaves the state as it was: it is not modelled.
 * [code: uringDriver.enter, uringDriver.abandon] */
inline enter(from, to, p, q, ok, prev) {
	if
	:: atomic {
		assert(khead == from);
		do
		:: khead < to -> ktake(khead); khead++
		:: else -> break
		od;
		submitted = to
	   }
#ifdef ABANDON
	:: atomic {
		/* abandon, under d.sqMu: note the ops whose entries the kernel did not take (p: a
		 * mask of slots, q: their generations, four bits each), and take the entries back. */
		p = 0;
		q = 0;
		do
		:: sqTail > khead ->
			sqTail--;
			if
			:: sqKind[sqTail] == kOp ->
				p = p | (1 << sqIdx[sqTail]);
				q = q | (sqGen[sqTail] << (4 * sqIdx[sqTail]))
			:: else -> skip
			fi
		:: else -> break
		od;
		submitted = khead
	   };
		/* Then, without the lock, fail them. */
		do
		:: p & 1 -> complete(0, (q & 15), ok, prev); p = p & ~1
#if NOPS > 1
		:: p & 2 -> complete(1, ((q >> 4) & 15), ok, prev); p = p & ~2
#endif
		:: p == 0 -> break
		od;
		q = 0
#endif
	fi
}

/* op.completeSole, for the kernel's completion of generation g of slot i, found pending: the
 * result, Unpin and the CAS to stDone; the waiter's count and needReaper are owed to the
 * settlement. [code: op.completeSole, settler.add] */
inline completeSole(i, g) {
	assert(!(kown[i] && kgen[i] == g));                 /* the kernel is done with the memory */
	pinned[i] = false;
	if
	:: has(state[i], flagAsync) -> owedAsync++
	:: else -> skip
	fi;
	state[i] = (state[i] & ~stMask) | stDone;
	delivered[i * GENS + g - 1]++;
	assert(delivered[i * GENS + g - 1] == 1);
	owed[i]++
}

/* reap's settlement of a pass: needReaper, then each waiter's count in one update, waking it
 * if that was its last op and it sleeps. [code: uringDriver.reap, settler.flush,
 * waiter.doneN] */
inline settleFlush(j) {
	atomic { needReaper = needReaper - owedAsync; owedAsync = 0; j = 0 };
	do
	:: j < NOPS ->
		atomic {
			if
			:: owed[j] > 0 ->
				wn[j] = wn[j] - owed[j];
				owed[j] = 0;
				if
				:: wn[j] == parkedBit -> wake[j]!1
				:: else -> skip
				fi
			:: else -> skip
			fi;
			j++
		}
	:: else -> break
	od;
	j = 0
}

/* uringDriver.reap and dispatch: deliver every completion in the queue, under d.cqMu. The code
 * settles after each copy of the queue's entries, so the model may settle after any completion,
 * and does after the last. [code: uringDriver.reap, uringDriver.dispatch] */
inline reap(k, i, g, r, ok, prev) {
	atomic { !cqMu -> cqMu = true };
	do
	:: atomic {
		cq?k, i, g, r;
		cqHead++;
		if
		:: k == kOp && genOf(state[i]) == g && stOf(state[i]) == stPending ->
			completeSole(i, g)
		:: k == kOp && !(genOf(state[i]) == g && stOf(state[i]) == stPending) ->
#ifndef DUPCQE
			assert(false);          /* the kernel's completion finds its op pending */
#endif
			skip
		:: else -> skip            /* cancels' answers, wake-ups: nothing waits on them */
		fi
	   }
	:: (owedAsync > 0 || owed[0] > 0 || owed[NOPS - 1] > 0) -> settleFlush(k)
	:: empty(cq) -> break
	od;
	settleFlush(k);
	atomic { cqMu = false; k = 0; i = 0; g = 0; r = 0; ok = false; prev = 0 }
}

/* uringDriver.handOff: the ops of the batch [from, to) still pending are the reaper's.
 * [code: uringDriver.handOff, op.markAsync] */
inline handOff(from, to, ok) {
	do
	:: from < to ->
		if
		:: sqKind[from] == kOp ->
			atomic {
				/* markAsync */
				if
				:: genOf(state[sqIdx[from]]) == sqGen[from] && stOf(state[sqIdx[from]]) == stPending ->
					state[sqIdx[from]] = state[sqIdx[from]] | flagAsync;
					ok = true
				:: else -> ok = false
				fi
			};
			if
			:: ok ->
				atomic { needReaper++; ok = (needReaper == 1) };
				if
				:: ok -> atomic { wakeReaper() }
				:: else -> skip
				fi
			:: else -> skip
			fi
		:: else -> skip
		fi;
		from++
	:: else -> break
	od;
	ok = false
}

/* uringDriver.flush: whoever wins the submitter role submits every published entry, reaps, hands
 * the batch off, gives the role up and looks again. [code: uringDriver.flush, uringDriver.submit] */
inline flush(from, to, p, q, k, i, g, r, ok, prev) {
	do
	:: atomic { !submitting -> submitting = true; from = submitted; to = sqTail };
		if
		:: from != to ->
			enter(from, to, p, q, ok, prev);
			reap(k, i, g, r, ok, prev);
			handOff(from, to, ok)
		:: else -> skip
		fi;
		atomic { submitting = false; from = 0; to = 0 };
		if
		:: sqTail == submitted -> break
		:: else -> skip
		fi
	:: atomic { submitting -> skip }; break
	od
}

/* Engine.cancel: requestCancel, then the driver's cancel (putInternal and flush).
 * [code: Engine.cancel, uringDriver.cancel] */
inline engineCancel(i, g, cause, from, to, p, q, k, i2, g2, r, ok, prev) {
	atomic {
		requestCancel(i, g, cause, ok);
		if
		:: ok -> put(kCancel, i, g, true, ok)
		:: else -> skip
		fi
	};
	if
	:: ok -> ok = false; flush(from, to, p, q, k, i2, g2, r, ok, prev)
	:: else -> skip
	fi
}

/* A goroutine in Do on slot me. [code: Engine.Do, opTable.acquire, uringDriver.start1,
 * waiter.sleep, op.result, opTable.release] */
proctype Submitter(byte me) {
	byte gen, from, to, p, q, k, i2, g2, r;
	int prev;
	bool ok;
	do
	:: genOf(state[me]) < GENS ->
		atomic {
			/* opTable.acquire: the next generation, pending. */
			assert(stOf(state[me]) == stIdle || stOf(state[me]) == stDone);
			gen = genOf(state[me]) + 1;
			state[me] = (gen << genShift) | stPending;
			/* Do: the waiter. */
			assert(empty(wake[me]));
			wn[me] = 1
		};
		/* start1: prep, which may fail, then queue. */
		if
		:: true ->
			pinned[me] = true;
			atomic { put(kOp, me, gen, false, ok) };
			if
			:: !ok -> complete(me, gen, ok, prev)        /* ErrClosed */
			:: else -> ok = false
			fi;
			flush(from, to, p, q, k, i2, g2, r, ok, prev)
		:: true ->
			complete(me, gen, ok, prev)                  /* prep failed */
		fi;
		/* waiter.sleep */
		atomic { wn[me] = wn[me] + parkedBit; ok = (wn[me] == parkedBit) };
		if
		:: ok -> ok = false                                 /* done before we slept */
		:: else ->
			if
			:: wake[me]?_
#ifdef CTXCANCEL
			:: engineCancel(me, gen, causeCanceled, from, to, p, q, k, i2, g2, r, ok, prev);
				wake[me]?_
#endif
			fi
		fi;
		/* result, then release: the op keeps stDone in the pool. */
		atomic {
			assert(delivered[me * GENS + gen - 1] == 1);
			assert(stOf(state[me]) == stDone);
			assert(!(kown[me] && kgen[me] == gen));
			assert(!pinned[me]);
			gen = 0
		}
	:: else -> break
	od
}

/* A future's Cancel, or its context's AfterFunc. [code: Op.Cancel, Op.watch] */
proctype Canceller() {
	byte g, from, to, p, q, k, i2, g2, r;
	int prev;
	bool ok;
	/* Start returns the future after start1 queued the op, so a cancel never overtakes it. */
end:
	atomic { stOf(state[0]) == stPending && pubGen[0] == genOf(state[0]) -> g = genOf(state[0]) };
	engineCancel(0, g, causeCanceled, from, to, p, q, k, i2, g2, r, ok, prev)
}

/* The kernel completes an op it holds; with DUPCQE it may post the completion twice.
 * [code: none] */
inline kcomplete(i) {
	kown[i] = false;
	post(kOp, i, kgen[i], resOK);
#ifdef DUPCQE
	if
	:: post(kOp, i, kgen[i], resOK)
	:: skip
	fi
#endif
}

/* The kernel, completing the ops it holds. [code: none] */
proctype Kernel() {
end:
	do
	:: atomic { kown[0] && !kinf[0] -> kcomplete(0) }
#if NOPS > 1
	:: atomic { kown[1] && !kinf[1] -> kcomplete(1) }
#endif
	od
}

/* The reaper goroutine. [code: uringDriver.reaper] */
proctype Reaper() {
	byte k, i, g, r, snap;
	int prev;
	bool ok;
	do
	:: stopping -> break
	:: !stopping ->
		if
		:: needReaper == 0 ->
end:			reaperWake?_
		:: needReaper != 0 ->
			/* io_uring_enter(GETEVENTS, min_complete 1). The kernel notes the head when the
			 * wait begins and wakes when the tail passes it (io_should_wake): a completion
			 * posted meanwhile ends the wait even if another goroutine reaps it first. */
			snap = cqHead;
			/* A reaper that waits here with nothing in flight is at rest: the next completion
			 * wakes it, and stopReaper posts one. */
end_wait:		if
			:: atomic { cqTail > snap -> snap = 0 }
#ifdef SPURIOUS
			:: snap = 0
#endif
			fi;
			reap(k, i, g, r, ok, prev)
		fi
	od;
	reaperDone = true
}

/* opTable.inFlight [code: opTable.inFlight] */
inline inFlight(n, i) {
	atomic {
		n = 0;
		i = 0;
		do
		:: i < NOPS ->
			if
			:: stOf(state[i]) == stPending || stOf(state[i]) == stCompleting -> n++
			:: else -> skip
			fi;
			i++
		:: else -> break
		od;
		i = 0
	}
}

/* uringDriver.cancelInFlight(first), under d.sqMu; the flush that ends it follows in Closer.
 * [code: uringDriver.cancelInFlight] */
inline cancelInFlight(first, s, i, ok) {
	atomic {
		i = 0;
		do
		:: i < NOPS ->
			s = state[i];
			if
			:: stOf(s) == stPending && pubGen[i] == genOf(s) ->
				requestCancel(i, genOf(s), causeClosed, ok);
				if
				:: ok || !first -> put(kCancel, i, genOf(s), true, ok)
				:: else -> skip
				fi
			:: else -> skip
			fi;
			i++
		:: else -> break
		od;
		i = 0;
		s = 0;
		ok = false
	}
}

/* Engine.Close. [code: Engine.Close, uringDriver.close, uringDriver.stopReaper] */
proctype Closer() {
	byte from, to, p, q, k, i2, g2, r, n, i, repeats, wakes, snap;
	int prev, s;
	bool ok;
	atomic { closeStarted = true; ringState = ringClosing };
	cancelInFlight(true, s, i, ok);
	flush(from, to, p, q, k, i2, g2, r, ok, prev);
	do
	:: inFlight(n, i);
		if
		:: n == 0 -> break
		:: else ->
			flush(from, to, p, q, k, i2, g2, r, ok, prev);
			/* EnterTimeout(GETEVENTS, 1, 10ms): a completion posted after the wait began, or
			 * the time passing (timeout: nothing else can happen). */
			snap = cqHead;
			if
			:: atomic { cqTail > snap -> snap = 0 }
			:: atomic { timeout -> snap = 0 }
			fi;
			reap(k, i2, g2, r, ok, prev);
			/* A second passed: cancel again. (Other processes still run at any point between
			 * these steps; the model only bounds how many times Close repeats.) */
			if
			:: repeats < MAXREPEAT ->
				repeats++;
				cancelInFlight(false, s, i, ok);
				flush(from, to, p, q, k, i2, g2, r, ok, prev)
			:: else -> skip
			fi
		fi
	od;
	/* stopReaper: a token if the reaper sleeps in Go, and a NOP, posted again each time 10ms
	 * pass (timeout: nothing else can happen) until the reaper is gone. */
	atomic { stopping = true; wakeReaper() };
	do
	:: atomic { put(kWake, 0, 0, true, ok); wakes++; assert(wakes <= MAXWAKE) };
		ok = false;
		flush(from, to, p, q, k, i2, g2, r, ok, prev);
		if
		:: reaperDone -> break
		:: timeout -> skip
		fi
	od;
	atomic { ringState = ringClosed };
	atomic { !submitting -> submitting = true };
	/* d.ring.Close(): the kernel holds no op, no op's entry waits in the queue, and no op is
	 * pending and published. An op started after the wait may be pending, unpublished: it fails
	 * with ErrClosed. A cancel for it may wait in the queue, which goes with the ring. */
	atomic {
		i = khead;
		do
		:: i < sqTail -> assert(sqKind[i] != kOp); i++
		:: else -> break
		od;
		i = 0;
		do
		:: i < NOPS ->
			assert(!kown[i]);
			assert(!(stOf(state[i]) == stPending && pubGen[i] == genOf(state[i])));
			i++
		:: else -> break
		od;
		closeDone = true
	}
}

init {
	byte i;
	atomic {
		do
		:: i < NOPS -> run Submitter(i); i++
		:: else -> break
		od;
#ifndef NOCANCELLER
		run Canceller();
#endif
		run Kernel();
		run Reaper();
#ifdef CLOSE
		run Closer();
#endif
	}
}

/* Close returns once started, as long as the kernel completes every op eventually. */
ltl closeEnds { [] (closeStarted -> <> closeDone) }
