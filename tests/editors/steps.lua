-- The step machinery of the headless Neovim tests (neovim_e2e.lua, neovim_nes.lua), loaded with
-- dofile. Steps run in a coroutine that sleeps through vim.defer_fn, so the main loop keeps
-- processing RPC messages, typed keys and timers in between (vim.wait would not run keys).
-- Everything printed starts with "nvim: " so the shell script can find it. Neovim 0.7 and later.

local uv = vim.uv or vim.loop
local M = {}
local co

function M.say(...)
  io.stdout:write('nvim: ' .. table.concat({ ... }, ' ') .. '\n')
  io.stdout:flush()
end

function M.fail(err)
  M.say('FAILED: ' .. tostring(err))
  vim.cmd('cquit! 1')
end

function M.sleep(ms)
  vim.defer_fn(function()
    local ok, err = coroutine.resume(co)
    if not ok then
      M.fail(err)
    end
  end, ms)
  coroutine.yield()
end

function M.wait_for(what, check, timeout_ms)
  local deadline = uv.now() + (timeout_ms or 10000)
  while true do
    local ok, value = pcall(check)
    if ok and value then
      return value
    end
    if uv.now() > deadline then
      error('timed out waiting for ' .. what, 0)
    end
    M.sleep(20)
  end
end

-- Stops the LSP client (shutdown + exit), so no server outlives the editor.
function M.stop(client)
  vim.lsp.stop_client(client.id)
  pcall(M.wait_for, 'grok-lsp to stop', function()
    return vim.lsp.get_client_by_id(client.id) == nil
  end, 5000)
end

-- Runs `main` as the steps: then prints "done" and quits, or prints the failure and exits 1.
function M.run(main)
  co = coroutine.create(function()
    local ok, err = pcall(main)
    if ok then
      M.say('done')
      vim.cmd('qall!')
    else
      M.fail(err)
    end
  end)
  local ok, err = coroutine.resume(co)
  if not ok then
    M.fail(err)
  end
end

return M
