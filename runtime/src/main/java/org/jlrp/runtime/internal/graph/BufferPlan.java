package org.jlrp.runtime.internal.graph;

import java.util.ArrayList;
import java.util.List;

/**
 * Where each layer's buffers live in a {@link Workspace}, and how large a workspace is. Planned once, in graph
 * order, when a {@link Network} is built: a routing layer shares its input's value and relevance slots, an
 * activation its relevance slot; every other layer gets slots of its own. Each layer's slots are set here and
 * nowhere else ({@link Layer#assignSlots}), before the network exists. Immutable.
 *
 * @param valueSizes       floats per value slot
 * @param relevanceSizes   floats per relevance slot
 * @param preSizes         floats per pre-activation slot
 * @param winnerSizes      ints per max-pooling winner slot
 * @param maxQuotients     the largest quotient scratch any layer needs
 * @param maxContributions the largest contribution scratch any layer needs
 */
record BufferPlan(int[] valueSizes, int[] relevanceSizes, int[] preSizes, int[] winnerSizes, int maxQuotients,
                  int maxContributions) {

    static BufferPlan assign(List<Layer> layers) {
        List<Integer> values = new ArrayList<>();
        List<Integer> relevance = new ArrayList<>();
        List<Integer> pre = new ArrayList<>();
        List<Integer> winners = new ArrayList<>();
        int quotients = 0;
        int contributions = 0;
        for (Layer layer : layers) {
            if (layer instanceof InputLayer) {
                continue;
            }
            int value = layer.sharesValues() ? layer.input().valueSlot : add(values, layer.shape.size());
            int rel = layer.sharesRelevance() ? layer.input().relevanceSlot : add(relevance, layer.shape.size());
            int preSlot = layer.preActivationSize() > 0 ? add(pre, layer.preActivationSize()) : -1;
            int winnerSlot = layer.winnerSize() > 0 ? add(winners, layer.winnerSize()) : -1;
            layer.assignSlots(value, rel, preSlot, winnerSlot);
            quotients = Math.max(quotients, layer.quotientSize());
            contributions = Math.max(contributions, layer.contributionSize());
        }
        return new BufferPlan(toArray(values), toArray(relevance), toArray(pre), toArray(winners), quotients,
                contributions);
    }

    /** Floats one workspace holds, for memory planning. */
    long workspaceFloats() {
        long total = 3L * maxQuotients + maxContributions; // quotients, the nonZero lists (twice), contributions
        for (int[] sizes : new int[][]{valueSizes, relevanceSizes, preSizes, winnerSizes}) {
            for (int s : sizes) {
                total += s;
            }
        }
        return total;
    }

    Workspace newWorkspace(int inputLength) {
        return new Workspace(inputLength, valueSizes, relevanceSizes, preSizes, winnerSizes, maxQuotients,
                maxContributions);
    }

    private static int add(List<Integer> sizes, int size) {
        sizes.add(size);
        return sizes.size() - 1;
    }

    private static int[] toArray(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }
}
