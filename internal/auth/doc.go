// Package auth is Khiên's identity and authorization domain: who may do what
// (policy.go, the one policy table), and how a person or program proves who
// it is: passwords, TOTP second factor, browser sessions and API tokens.
//
// The package holds rules only. It imports no transport and no SQL; it keeps
// its state through the Store interface (service.go), which internal/store
// implements. The acting Principal is always an explicit argument.
//
// Invariants:
//   - Secrets are never stored: passwords as argon2id PHC strings, session
//     and API tokens and recovery codes as hex SHA-256. A token or recovery
//     code is shown once, when made. User and Token values hold no secret, and
//     they are what the audit log digests.
//   - Log-in failures look alike: an unknown e-mail, a wrong password, a
//     disabled or locked account all answer auth.bad_credentials after the
//     same argon2 work (a dummy hash stands in for a missing account).
//   - After MaxFailures consecutive failures (password or second factor) an
//     account is locked for LockBase, doubling per repeated lock up to
//     LockMax. The count is kept in the database and changed atomically. A
//     correct password alone does not clear it while a second factor is owed.
//     Each client network (IPv4 address, IPv6 /64) is also rate-limited in
//     memory (10 attempts a minute, burst 20).
//   - Every log-in makes a new session. A session lives SessionTTL after its
//     last use and never more than SessionMaxAge. Changing a password,
//     disabling a user or changing their role ends all their sessions.
//   - A session of a role that requires TOTP is StageEnrol until a secret is
//     confirmed; a session of a user with TOTP is StageTOTP until a code is
//     given. A Principal whose Stage is not StageDone holds no permission.
//   - A TOTP code is accepted within one step either side of now, and a step
//     is accepted once per user; a recovery code once ever.
//   - An API token carries a subset of its user's role permissions and is
//     optionally bound to one organisation; the Principal built from it is
//     limited by both, and by the user's current role and memberships.
//   - Objects outside the caller's scope answer errs.NotFound; Forbidden is
//     for actions on objects the caller may see.
//   - Every change of state is audited by the store in the same transaction
//     (auth.login, auth.login_failed, auth.mfa, auth.totp_enrol, auth.logout,
//     user.*, token.*). Refreshing last-seen and last-used times is not.
package auth
