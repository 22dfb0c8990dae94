-- Milliseconds on the Redis clock, so leases never depend on the instances' clocks agreeing.
local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
