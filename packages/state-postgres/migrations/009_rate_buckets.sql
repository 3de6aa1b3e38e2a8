-- Up Migration
-- One token bucket per rate-limited account (issue 16): every process that talks to, say, one Stripe
-- account takes each request's token from this one row, so all of them together stay under the
-- account's limit (src/rate-buckets.ts). `account` names the account without its secret
-- (`acct:` + a hash prefix of the API key). Times come from Postgres' clock, the one clock every
-- process shares.
CREATE TABLE rate_buckets (
  account    text PRIMARY KEY,
  -- Tokens in the bucket after the last take (0 to burst; a request takes 1).
  tokens     double precision NOT NULL,
  -- When `tokens` was last computed: the bucket refills by (now - updated_at) x rate.
  updated_at timestamptz NOT NULL,
  -- The rate (tokens per second) and size of the last take, for operators reading the table.
  rate       double precision NOT NULL,
  burst      double precision NOT NULL,
  -- Whether the last take got a token (what a take's RETURNING reports), and how many takes did.
  last_granted boolean NOT NULL,
  granted    bigint NOT NULL DEFAULT 0
);
