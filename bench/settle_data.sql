-- One generated day of usage events for bench/settle.sh, written once for both dialects:
-- @SERIES@ is a table s(i) of 1..@EVENTS@ (bigint), @USERS@ is 100,000 (or @EVENTS@ when that is
-- fewer), @DAY@ the day (YYYY-MM-DD), @T0@ its first second.
-- Only usage_events is written: the settlement reads nothing else (no foreign keys lead from usage
-- events, and ledger accounts are made as the transfers need them).
--
-- Everything is modular arithmetic on the event number i, so two runs generate the same day.
--   users   1..@USERS@, each with the same number of events (give or take one); a user's events are
--           consecutive i, so the load appends to the indexes that lead with user_id.
--   apps    10,000 user apps (1..10000), app a owned by creator 1 + ((a - 1) % 2000) * 50, i.e. 2,000
--           creators who are users too (1, 51, 101, ...); 10 system apps (10001..10010, owner 1).
--   per user 5..10 apps (5 + u % 6), event i on the app of slot i % that; a creator's slot 0 is their
--           own app (self-use: no earnings).
--   i % 20 = 19  plain chat, no app;  i % 20 = 9  a system app   (both outside the earning index)
--   even users   subscribers: subscription_id, plan_daily_value 1,000,000..3,000,000 µc, calls from
--                the allowance; every 17th call on an unpriced model (no pool share), every 13th
--                paid with paid credits (the allowance ran out)
--   odd users    paid credits (paid_uc 100..5000); every 7th call from gift credits only (no share)
INSERT INTO usage_events (request_id, created_at, day, user_id, surface, model, status, app_id, app_owner_id, app_kind,
                          priced, cost, allowance_uc, paid_uc, gift_uc, subscription_id, plan_daily_value,
                          prompt_tokens, completion_tokens, tokens_reported, latency_ms)
SELECT 'settle-' || (100000000 + i),  -- fixed width: the request_id index is appended to in order too
       @T0@ + (i * 86399) / @EVENTS@, '@DAY@', u, 'api', 'm', 'ok', app,
       CASE WHEN app IS NULL THEN NULL WHEN app > 10000 THEN 1 ELSE 1 + ((app - 1) % 2000) * 50 END,
       CASE WHEN app IS NULL THEN NULL WHEN app > 10000 THEN 'system' ELSE 'user' END,
       CASE WHEN u % 2 = 0 AND i % 17 = 0 THEN 0 ELSE 1 END,
       v,
       CASE WHEN u % 2 = 0 AND i % 13 <> 0 THEN v ELSE 0 END,
       CASE WHEN u % 2 = 0 THEN CASE WHEN i % 13 = 0 THEN v ELSE 0 END WHEN i % 7 = 0 THEN 0 ELSE v END,
       CASE WHEN u % 2 = 1 AND i % 7 = 0 THEN v ELSE 0 END,
       CASE WHEN u % 2 = 0 THEN u END,
       CASE WHEN u % 2 = 0 THEN 1000000 * (1 + u % 3) ELSE 0 END,
       200 + i % 300, 50 + i % 700, 1, 300 + i % 2000
FROM (SELECT i, u, v,
             CASE WHEN i % 20 = 19 THEN NULL
                  WHEN i % 20 = 9 THEN 10001 + i % 10
                  WHEN (u - 1) % 50 = 0 AND i % (5 + u % 6) = 0 THEN 1 + (u - 1) / 50
                  ELSE 1 + (u * 7919 + (i % (5 + u % 6)) * 104729) % 10000 END AS app
      FROM (SELECT i, 1 + ((i - 1) * @USERS@) / @EVENTS@ AS u, 100 + (i * 37) % 4901 AS v FROM @SERIES@) e) a;
