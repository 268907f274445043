package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/humans-contacts/humans/app"
)

// syncUsage is the sync command's part of the help.
const syncUsage = `  humans sync [now] [--account NAME] [--direction import|export|both]
                           sync with the Hub (or the account NAME) now and
                           print what changed on each side
  humans sync status [--account NAME]
                           idle or running, last success, last error
  humans sync conflicts [--account NAME]
                           fields changed on both sides and who won
  humans sync flip ID [--account NAME]
                           give conflict ID the value that lost
  humans sync history [--account NAME]
                           the last sync jobs
  humans sync deletions [--account NAME]
                           remote deletions waiting for your confirmation
                           (too many at once to apply unasked)
  humans sync deletions confirm|keep [REMOTE_ID...] [--account NAME]
                           confirm them (the contacts go to the trash) or
                           keep the contacts (sent again remotely); all of
                           them unless remote ids are given
`

// syncOptions are the flags of sync.
type syncOptions struct {
	account   string
	direction string
}

func (o *syncOptions) register(cmd string, fs *flag.FlagSet) {
	if cmd == "sync" {
		fs.StringVar(&o.account, "account", "", "the sync account (default: the Hub)")
		fs.StringVar(&o.direction, "direction", "", "import, export or both (default: the account's)")
	}
}

// runSyncCommand runs "humans sync ...".
func runSyncCommand(rest []string, dataFlag string, o syncOptions, stdout, stderr io.Writer, env func(string) string) int {
	action := "now"
	if len(rest) > 0 {
		action = rest[0]
	}
	var conflictID int64
	var deletionIDs []string
	deletions := ""
	switch {
	case action == "deletions" && len(rest) == 1:
		deletions = "list"
	case action == "deletions" && (rest[1] == "confirm" || rest[1] == "keep"):
		deletions, deletionIDs = rest[1], rest[2:]
	case action == "deletions":
		return usageError(stderr, "sync deletions: unknown action %q (use confirm or keep)", rest[1])
	case (action == "now" || action == "status" || action == "conflicts" || action == "history") && len(rest) <= 1:
	case action == "flip" && len(rest) == 2:
		id, err := strconv.ParseInt(rest[1], 10, 64)
		if err != nil || id <= 0 {
			return usageError(stderr, "sync flip: %q is not a conflict id", rest[1])
		}
		conflictID = id
	case action == "flip":
		return usageError(stderr, "sync flip takes one conflict id")
	case action == "now" || action == "status" || action == "conflicts" || action == "history":
		return usageError(stderr, "sync %s: unexpected arguments %q", action, strings.Join(rest[1:], " "))
	default:
		return usageError(stderr, "sync: unknown action %q (use now, status, conflicts, flip, history or deletions)", action)
	}
	if o.direction != "" && action != "now" {
		return usageError(stderr, "--direction goes with sync now only")
	}
	logger := newLogger(stderr, env)
	dir, err := dataDir(dataFlag, env)
	if err != nil {
		fmt.Fprintf(stderr, "humans: %v\n", err)
		return 1
	}
	return withBook(dir, logger, stderr, func(b book) error {
		svc := b.(syncBook) // the service, or the running Humans
		ctx := context.Background()
		switch action {
		case "now":
			job, err := svc.SyncNow(ctx, o.account, o.direction)
			if job != nil {
				printJob(stdout, job)
			}
			if err != nil || (o.account != "" && o.account != app.HubAccount) || o.direction == "import" {
				return err
			}
			// The Hub answered: hand it the queued text messages.
			res, err := svc.DeliverSMS(ctx)
			if res != (app.SMSDelivery{}) {
				fmt.Fprintf(stdout, "text messages: %d sent, %d failed, %d waiting\n", res.Sent, res.Failed, res.Waiting)
			}
			return err
		case "status":
			st, err := svc.SyncStatus(ctx, o.account)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "account:      %s\nstate:        %s\n", st.Account, st.State)
			if st.State == "running" {
				fmt.Fprintf(stdout, "progress:     %s %d/%d\n", st.Phase, st.Done, st.Total)
			}
			fmt.Fprintf(stdout, "last success: %s\n", when(st.LastSuccess))
			if st.LastError != "" {
				fmt.Fprintf(stdout, "last error:   %s (%s)\n", st.LastError, when(st.LastErrorAt))
			}
			if st.NeedsSignIn {
				fmt.Fprintln(stdout, "sign in:      the remote refused the account's authorization: connect it again")
			}
			if st.PendingDeletions > 0 {
				fmt.Fprintf(stdout, "deletions:    %d contacts deleted remotely wait for your confirmation (humans sync deletions)\n", st.PendingDeletions)
			}
			return nil
		case "deletions":
			return runSyncDeletions(ctx, svc, o.account, deletions, deletionIDs, stdout)
		case "conflicts":
			cs, err := svc.SyncConflicts(ctx, o.account, 0)
			if err != nil {
				return err
			}
			if len(cs) == 0 {
				fmt.Fprintln(stdout, "no conflicts")
				return nil
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCONTACT\tFIELD\tLOCAL\tREMOTE\tKEPT\tWHEN")
			for _, c := range cs {
				field := c.Field
				if c.Key != "" {
					field += "[" + c.Key + "]"
				}
				kept := c.Resolution
				if c.Flipped {
					kept += " (flipped)"
				}
				fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.LocalID, field, short(string(c.Local)), short(string(c.Remote)), kept, c.CreatedAt.Local().Format(time.DateTime))
			}
			return tw.Flush()
		case "flip":
			c, err := svc.FlipSyncConflict(ctx, o.account, conflictID)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "conflict %d flipped: contact %d's %s now has the %s value; the next sync sends it\n", c.ID, c.LocalID, c.Field, flippedSide(c))
			return nil
		default: // history
			jobs, err := svc.SyncJobs(ctx, o.account, 20)
			if err != nil {
				return err
			}
			if len(jobs) == 0 {
				fmt.Fprintln(stdout, "no sync yet")
			}
			for _, j := range jobs {
				printJob(stdout, j)
			}
			return nil
		}
	})
}

func flippedSide(c *app.SyncConflict) string {
	side := c.Resolution
	if c.Flipped {
		if side == "local" {
			return "remote"
		}
		return "local"
	}
	return side
}

func printJob(w io.Writer, j *app.SyncJob) {
	status := "done"
	switch {
	case j.Error != "":
		status = "FAILED: " + j.Error
	case j.FinishedAt.IsZero():
		status = "interrupted (never finished)"
	}
	fmt.Fprintf(w, "job %d, %s, %s: %s\n", j.ID, j.Direction, j.StartedAt.Local().Format(time.DateTime), status)
	fmt.Fprintf(w, "  here:  %d created, %d updated, %d deleted, %d skipped\n", j.Pulled.Created, j.Pulled.Updated, j.Pulled.Deleted, j.Pulled.Skipped)
	fmt.Fprintf(w, "  there: %d created, %d updated, %d deleted, %d skipped\n", j.Pushed.Created, j.Pushed.Updated, j.Pushed.Deleted, j.Pushed.Skipped)
	if j.Conflicts > 0 {
		fmt.Fprintf(w, "  conflicts: %d (humans sync conflicts)\n", j.Conflicts)
	}
	for _, n := range j.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format(time.DateTime)
}

func short(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// runSyncDeletions lists, confirms or keeps the remote deletions waiting
// for the person.
func runSyncDeletions(ctx context.Context, svc syncBook, account, action string, ids []string, stdout io.Writer) error {
	switch action {
	case "confirm", "keep":
		settle := svc.KeepSyncDeletions
		if action == "confirm" {
			settle = svc.ConfirmSyncDeletions
		}
		res, err := settle(ctx, account, ids)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d moved to the trash, %d kept", res.Deleted, res.Kept)
		if res.Conflicts > 0 {
			fmt.Fprintf(stdout, " (%d edited here since: kept, see humans sync conflicts)", res.Conflicts)
		}
		if action == "keep" {
			fmt.Fprint(stdout, "; the next sync sends the kept contacts again")
		}
		fmt.Fprintln(stdout)
		return nil
	}
	ds, err := svc.SyncPendingDeletions(ctx, account)
	if err != nil {
		return err
	}
	if len(ds) == 0 {
		fmt.Fprintln(stdout, "no remote deletions wait")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REMOTE ID\tCONTACT\tNAME\tHOW\tFOUND")
	for _, d := range ds {
		how := "deleted remotely"
		if d.Absent {
			how = "missing from the listing"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", d.RemoteID, d.LocalID, d.Name, how, when(d.Found))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d contacts deleted remotely wait: humans sync deletions confirm (to the trash) or keep (sent again)\n", len(ds))
	return nil
}
