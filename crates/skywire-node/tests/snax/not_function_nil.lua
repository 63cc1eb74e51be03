response.gone = nil
