import { QueryCache, QueryClient } from "@tanstack/react-query";
import { isApiError } from "../http/client.js";

/** The app's one query cache: the React tree reads it, and route loaders start queries in it before a page's code is in. */
export const queryClient: QueryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      retry: (count, err) => {
        if (isApiError(err) && err.status > 0 && err.status < 500) return false;
        return count < 2;
      },
    },
  },
  queryCache: new QueryCache({
    onError: (err, query) => {
      // A session that expired mid-use: re-check who we are, which shows the sign-in page.
      if (isApiError(err) && err.status === 401 && query.queryKey[0] !== "me") {
        void queryClient.invalidateQueries({ queryKey: ["me"] });
      }
    },
  }),
});
