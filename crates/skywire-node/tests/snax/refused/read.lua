local m = accept
